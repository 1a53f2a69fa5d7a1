// Package harness drives surfaces of a subject through cases and judges what
// they did.
//
// It owns the [Case] a surface is started with (the case file of
// PROTOCOL.md, a copy of which sits beside this file), the [Outcome] it
// produced (exit code, output, events, gateway reply, the fakes' ledger),
// the [Surface] interface, the in-process reference surfaces built on
// package resolver, the exec adapter that speaks PROTOCOL.md to a subject in
// any language, and the checker ([Check]) that turns an outcome into
// violations citing rule IDs.
//
// On top of those:
//   - [Run] is the gate: every scenario on every surface, in an order drawn
//     from the seed, judged against the model, with surface parity. When a
//     gateway process dies, the cases it left unanswered are run again
//     alone on a fresh gateway, so that the death is blamed on the case that
//     causes it and every reproduce command reproduces.
//   - [Prop] and [Chaos] draw cases (rapid generators with labelled draws)
//     and failure schedules; [Counterexample] and [Minimize] turn a failure
//     into a small scenario file that `fallbackgate run --scenario-file`
//     replays.
//   - [Mutants] are deliberately broken variants of the reference, and
//     [ReplayIncident] replays INC-v6.6 through a dispatcher on virtual
//     time, against the pre-fix start-up and the contract.
package harness
