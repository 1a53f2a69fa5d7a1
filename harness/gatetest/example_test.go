package gatetest_test

import (
	"fmt"
	"os"

	"github.com/onsi/gomega"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gatetest"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// walksOn429 is a start-up decision with a planted bug: it walks the chain
// after a rate-limited primary, burning every other provider's quota (R7).
func walksOn429(r resolver.Request, resolve resolver.ResolveFunc) (resolver.Decision, error) {
	r.Profile.WalkOnRateLimit = true
	return resolver.Resolve(r, resolve)
}

// sf8 is the rate-limit scenario alone.
func sf8() []harness.Scenario {
	s, err := scenarios.Select([]string{"SF-8"})
	if err != nil {
		panic(err)
	}
	return s
}

// Run the gate on a decision function of yours: the nine scenarios on the
// three surfaces, each a subtest (TestGate/SF-8/oneshot). In a test:
//
//	func TestGate(t *testing.T) {
//		gatetest.Run(t, gatetest.Decider("my-worker", mypkg.Decide), gatetest.Options{})
//	}
func ExampleRun() {
	t := &transcript{name: "TestGate"} // in a test: t
	gatetest.Run(t, gatetest.Decider("my-worker", resolver.Resolve), gatetest.Options{})
	t.end()
	// Output:
	// TestGate: 27 passed, 0 failed, 0 skipped
}

// A decision function with a bug: it walks the chain after a rate-limited
// primary. The failing subtest prints its violations, the ledger of the
// fake providers, the worker's stderr and the go test command that runs
// it again.
func ExampleDecider() {
	t := &transcript{name: "TestGate"}
	gatetest.Run(t, gatetest.Decider("walks-on-429", walksOn429), gatetest.Options{Scenarios: sf8(), Surfaces: []string{"oneshot"}})
	t.end()
	// Output:
	// --- FAIL: TestGate/SF-8/oneshot
	//     SF-8/oneshot (rate-limited-primary) on subject walks-on-429, profile strict, seed 7528952468570543391: expected failed: openai-codex codex_rate_limited, observed landed 0 on xai-oauth/grok-4.3
	//       R7: quota amplification: 2 request(s) to xai-oauth after the primary's 429; want none
	//       R7: the start-up succeeded (started event); want it to fail with openai-codex's error "openai-codex: usage quota exhausted; retry after 30s" (codex_rate_limited)
	//       R15: 1 fallback event(s) for a start-up that failed
	//       R7: 0 failed events; want exactly 1 carrying openai-codex's error "openai-codex: usage quota exhausted; retry after 30s" (codex_rate_limited)
	//       R7: exited 0; want 75 (rate-limited: EX_TEMPFAIL so the dispatcher requeues)
	//       R7: stderr does not name the surfaced error's provider openai-codex and message "openai-codex: usage quota exhausted; retry after 30s"
	//       ledger:
	//         #1 +0s openai-codex resolve model=gpt-5.5 429 rate_limit codex_rate_limited
	//         #2 +0s xai-oauth resolve model=grok-4.3 200 ok
	//         #3 +0s xai-oauth completions model=grok-4.3 200 ok
	//       stderr:
	//         | fallbackgate: primary openai-codex failed; using xai-oauth/grok-4.3
	//       reproduce: go test -run '^TestGate$/^SF-8$/^oneshot$' -fallbackgate.seed=1 ./harness/gatetest
	// TestGate: 0 passed, 1 failed, 0 skipped
}

// oneshotWorker stands for a worker's own oneshot start-up behind
// harness.Surface: Start runs one case (its config, pin and the fake
// providers' URLs are in the case) and reports what the worker did. Here
// it is the reference's, reached over loopback like any code of yours.
type oneshotWorker struct{ harness.Surface }

// Run the gate on in-process surfaces of your own; the surfaces you do not
// give are skipped.
func ExampleSurfaces() {
	t := &transcript{name: "TestGate"}
	worker := oneshotWorker{reference.NewSurface(harness.Oneshot, nil, reference.Options{})}
	gatetest.Run(t, gatetest.Surfaces("my-worker", worker), gatetest.Options{})
	t.end()
	// Output:
	// TestGate: 9 passed, 0 failed, 18 skipped
}

// Run the gate on a subject in any language, through its manifest
// (PROTOCOL.md), as fallbackgate run --subject does: here the built-in
// reference subject behaving as a mutant that exits 1 instead of 75 on a
// rate limit, so the dispatcher never requeues the job.
func ExampleManifest() {
	dir, err := os.MkdirTemp("", "gatetest-example-*")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	sub, err := gatetest.Manifest(referenceManifest(dir, "--mutant", "exit-1-on-rate-limit"))
	if err != nil {
		panic(err)
	}
	t := &transcript{name: "TestGate", lines: 2}
	gatetest.Run(t, sub, gatetest.Options{Scenarios: sf8()})
	t.end()
	// Output:
	// --- FAIL: TestGate/SF-8/oneshot
	//     SF-8/oneshot (rate-limited-primary) on subject reference-over-exec, profile strict, seed 7528952468570543391: failed: openai-codex codex_rate_limited as expected, but it exited 1; want 75
	//       R7: exited 1; want 75 (rate-limited: EX_TEMPFAIL so the dispatcher requeues)
	// --- FAIL: TestGate/SF-8/cli
	//     SF-8/cli (rate-limited-primary) on subject reference-over-exec, profile strict, seed 6154643259713394188: failed: openai-codex codex_rate_limited as expected, but it exited 1; want 75
	//       R7: exited 1; want 75 (rate-limited: EX_TEMPFAIL so the dispatcher requeues)
	// TestGate: 1 passed, 2 failed, 0 skipped
}

// Property-test a decision function: generated cases, shrunk to a minimal
// scenario on a failure.
func ExampleProp() {
	t := &transcript{name: "TestProp"}
	gatetest.Prop(t, gatetest.Decider("walks-on-429", walksOn429), gatetest.PropOptions{Surfaces: []string{"oneshot"}})
	t.end()
	// Output:
	// --- FAIL: TestProp
	//     properties (100 checks on oneshot): FAIL R7 after 10 case(s); shrunk counterexample:
	//
	//         id: prop-28fd7239
	//         name: counterexample
	//         summary: 'found by fallbackgate prop --seed 1 against walks-on-429. oneshot: R7: quota amplification: 1 more resolve(s) after the primary''s 429 (anthropic/claude-sonnet-4-7); want none'
	//         rules: [R7]
	//         config:
	//           model:
	//             provider: anthropic
	//             default: claude-sonnet-4-7
	//           fallback_providers:
	//             - provider: anthropic
	//               model: claude-sonnet-4-7
	//         faults:
	//           anthropic: 429(retry_after=1s)
	//         expect:
	//           resolves:
	//             - anthropic/claude-sonnet-4-7
	//           surfaced: anthropic
	//           exit: 75
	//           fallback_events: 0
	//       oneshot:
	//         R7: quota amplification: 1 more resolve(s) after the primary's 429 (anthropic/claude-sonnet-4-7); want none
	//         ledger:
	//           #1 +0s anthropic resolve model=claude-sonnet-4-7 429 rate_limit codex_rate_limited
	//           #2 +0s anthropic resolve model=claude-sonnet-4-7 429 rate_limit codex_rate_limited
	//         stderr:
	//           | fallbackgate: anthropic is rate-limiting requests: anthropic: usage quota exhausted; retry after 1s (codex_rate_limited); retry after 1s
	//         reproduce: (the counterexample was not saved: repeat the search)
	//       reproduce the search: go test -run '^TestProp$' -fallbackgate.seed=1 ./harness/gatetest
}

// Match a result that broke a rule with Gomega: in a test,
// gomega.NewWithT(t).Expect(results[0]).To(gatetest.HaveViolated("R7")),
// or Expect in a Ginkgo spec.
func ExampleHaveViolated() {
	t := &transcript{name: "TestGate", quiet: true}
	results := gatetest.Run(t, gatetest.Decider("walks-on-429", walksOn429), gatetest.Options{Scenarios: sf8(), Surfaces: []string{"gateway"}})
	t.end()
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })
	fmt.Println(g.Expect(results[0]).To(gatetest.HaveViolated("R7")))
	fmt.Println(g.Expect(results[0]).To(gatetest.HaveViolated("R6")))
	// Output:
	// true
	// Expected a violation of R6, got SF-8/gateway violations:
	//   R7: quota amplification: 2 request(s) to xai-oauth after the primary's 429; want none
	//   R7: the start-up succeeded (started event); want it to fail with openai-codex's error "openai-codex: usage quota exhausted; retry after 30s" (codex_rate_limited)
	//   R15: 1 fallback event(s) for a start-up that failed
	//   R7: 0 failed events; want exactly 1 carrying openai-codex's error "openai-codex: usage quota exhausted; retry after 30s" (codex_rate_limited)
	//   R7: gateway replied ok=true class=""; want ok=false class="rate_limit"
	// false
}
