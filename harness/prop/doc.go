// Package prop is property testing against the model: generators of whole
// cases ([Gen]: a primary, a chain with repeats, model-less entries, base
// URLs and shorthand strings, a pin or none, a fault plan per provider, a
// profile), property runs ([Run]) that draw cases from a seed ([Draw]) and
// run each through the gate's pipeline on every surface, shrinking
// ([Simpler], [Minimize]) and saved counterexamples ([Counterexample],
// [SaveScenario]) that `fallbackgate run --scenario-file` replays.
//
// A run runs its cases [Config.Parallel] at a time and judges them in index
// order, so that its outcome is a function of the seed alone (scan.go); it
// goes on until it has [Config.MaxFailures] distinct failure classes
// ([Class]: the rules broken on one surface), each shrunk, keeping its
// class.
//
// A run that meets no case of some [Category] (fell back, pinned,
// rate-limited, exhausted) proves nothing about it and is vacuous. Its
// [Coverage] counts, for each rule R1–R18 and surface, the cases that
// exercised it ([Exercised]); a rule none exercised is named, and does not
// fail the run.
package prop
