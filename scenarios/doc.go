// Package scenarios holds the contract's scenarios as data: SF-1…SF-9 of
// CONTRACT.md as YAML files embedded in the binary, the Ginkgo suite that runs
// them on every surface, and saved counterexamples.
//
// A scenario file states its set-up and, for humans, what must happen; the
// harness judges every run against the reference model, and this package's
// tests prove that each file's expectations and the model agree.
package scenarios
