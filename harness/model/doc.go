// Package model is the oracle: what a case must produce, derived from
// package resolver (the contract as code) and from CONTRACT.md and
// PROTOCOL.md alone. [Predict] runs a scenario's start-up against a fleet
// of its own, reached without HTTP, and returns the decision, the surfaced
// error, the exit code ([Exit]), the gateway's reply class ([Class]), the
// answer after the runtime walk of R18 and the resolves the fakes must see.
// [Check] is the other half of the oracle: it judges what a case did show
// (a [harness.Observation]: outcome, ledger, the secrets the fakes issued)
// against that expectation and returns [harness.Violations], each citing
// the rule it breaks, every problem listed rather than the first.
//
// It never imports the reference subject: the reference is a subject like
// any other and can be wrong, and the gate must catch it when it is (a test
// gives the reference a wrong exit code and watches the model catch it).
package model
