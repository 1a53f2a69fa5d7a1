// Package harness is the vocabulary every stage of fallbackgate shares: the
// data at the bottom, with no stage of its own.
//
// It owns the protocol's constants (protocol.go: surfaces, environment,
// exit codes, the gateway's request line; PROTOCOL.md, a copy of which
// sits beside this file), the [Case] a surface is started with, the
// [Event]s and [Outcome] it produces, the [Scenario] files, the [Surface]
// and [Subject] interfaces, what the model predicts ([Expected]), what a
// case showed ([Observation]) and how it broke the contract ([Violation]s,
// each citing a rule), the one [Result] and [Status] of every stage, [NotStarted], a
// surface that could not be started at all, and the [Shard] of a run cut
// into parts (--shard K/N), which every stage cuts the same way.
//
// The stages live below it, one package per job:
//
//   - harness/model: the oracle, what a case must produce, from package
//     resolver and the contract alone, and the checker (model.Check:
//     expected against observed, violations citing rules);
//   - harness/reference: the built-in reference subject and its mutants;
//   - harness/exec: the adapter for a subject in any language;
//   - harness/gate: the one case pipeline (predict, fleet, start, judge)
//     and the gate run;
//   - harness/prop, harness/chaos, harness/incident and harness/mutation:
//     properties, chaos, the incident replay and the mutation self-test,
//     each running its cases through harness/gate.
package harness
