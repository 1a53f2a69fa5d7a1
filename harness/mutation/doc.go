// Package mutation is the mutation self-test: proof that the gate has
// teeth. [Run] runs the gate's [Stage]s, in order, against every mutant of
// the reference (reference.Mutants: the reference with one deliberate bug
// a real implementation has had) until one kills it: the scenarios
// ([ScenarioStage]), the drift scenarios whose config changes during the
// start-up ([DriftStage]), then generated cases ([PropertyStage]). The
// [Report] names, per mutant, the case and rule that killed it; a survivor
// is a rule with no teeth.
package mutation
