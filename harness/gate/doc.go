// Package gate is the one case pipeline of fallbackgate and the gate run.
//
// A case (a scenario on one surface of a subject) always takes the same
// path: the model predicts it ([Prepare]: harness/model, once per case),
// its fakes start, the surface runs it, and the checker judges what the
// surface did against the prediction and the fakes' ledger
// ([Prepared.Run]). [RunCase] is both steps. Every stage runs its cases
// here: the gate ([Run]), properties, chaos, the mutation self-test and the
// incident replay; none has a copy of its own.
//
// [Hooks] change how a case runs without a second path: the clock of its
// fakes (virtual time), the [Transport] that connects its fakes to the
// surface ([Loopback] for a process, [Bound] for an in-process surface, a
// router for chaos), hang cutting, the config [Drift] of R1, and whether
// the runtime hand-off is checked.
//
// [Run] is the gate: every scenario on every surface, in an order drawn
// from the seed, with surface parity. When a gateway process dies, the
// cases it left unanswered run again alone on a fresh gateway, so that the
// death is blamed on the case that causes it and every reproduce command
// reproduces.
package gate
