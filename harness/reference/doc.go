// Package reference is the built-in reference subject: the three surfaces
// of CONTRACT.md (oneshot worker, gateway, interactive CLI) built on package
// resolver, as a subject in any language would build them, and the
// catalogue of its mutants.
//
// [Options] is the subject's behaviour: the zero value is the contract as
// written; a [Mutant] is an Options value with one deliberate bug, so that
// it shares every line of the reference it does not break. The surfaces run
// in-process ([NewSurface], [Subject]; a case binds them to its fakes) or as
// the process behind `fallbackgate subject` ([Main]), which the gate drives
// through harness/exec like any other subject.
//
// The reference is a subject like any other: the gate judges it against
// harness/model, which never imports this package, so a reference that
// shows a decision wrongly is caught.
package reference
