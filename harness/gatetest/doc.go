// Package gatetest runs the conformance gate from go test, for Go teams
// whose worker is Go code (or who drive an adapter from their own tests).
//
// [Run] runs every scenario on every surface of a subject as a subtest
// named after the case, so that
//
//	go test -run 'Gate/SF-8/oneshot'
//
// runs that case alone (in a test named TestGate). A failing case prints
// its violations, the fake providers' ledger, the last lines of the
// subject's stderr and the go test command that runs it again; the
// surfaces must also decide alike (parity). [Prop] runs the property
// stage (harness/prop) and prints a failure's shrunk counterexample.
// [HaveViolated] is a Gomega matcher for a result that broke a rule.
//
// A subject is a harness.Subject: [Decider] wraps a start-up decision
// function (resolver.Resolve's shape) into the three surfaces of the
// reference, [Surfaces] takes in-process surfaces of your own, and
// [Manifest] opens a subject manifest (any language, over exec). A subject
// that claims no profile is judged as strict.
//
// Seeds: a case's fakes are seeded from Options.Seed, else from the
// -fallbackgate.seed flag of the test binary, else 1; a failure prints the
// seed in its reproduce command.
package gatetest
