// Package harness drives surfaces of a subject through cases and judges what
// they did.
//
// It owns the [Case] a surface is started with (the case file of
// PROTOCOL.md), the [Outcome] it produced (exit code, output, events, gateway
// reply, the fakes' ledger), the [Surface] interface, the in-process
// reference surfaces built on package resolver, the exec adapter that speaks
// PROTOCOL.md to a subject in any language, and the checker that turns an
// outcome into violations citing rule IDs.
package harness
