// Package prop is property testing against the model: generators of whole
// cases ([Gen]: a primary, a chain with repeats, model-less entries, base
// URLs and shorthand strings, a pin or none, a fault plan per provider, a
// profile), property runs ([Run]) that draw cases from a seed ([Draw]) and
// run each through the gate's pipeline on every surface, shrinking
// ([Simpler], [Minimize]) and saved counterexamples ([Counterexample],
// [SaveScenario]) that `fallbackgate run --scenario-file` replays.
//
// A run that meets no case of some [Category] (fell back, pinned,
// rate-limited, exhausted) proves nothing about it and is vacuous.
package prop
