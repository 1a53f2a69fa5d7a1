package gatetest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gatetest"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// recorder is a quiet transcript that keeps what each subtest reported.
func recorder() *transcript { return &transcript{name: "TestGate", quiet: true} }

// subtests runs Run on sub with a recorder and returns what each subtest
// reported ("" when it passed), and what the parent reported.
func subtests(t *testing.T, sub *harness.Subject, opts gatetest.Options) (map[string]string, []harness.Result, string) {
	t.Helper()
	r := &reportingTranscript{transcript: recorder(), got: map[string]string{}}
	results := gatetest.Run(r, sub, opts)
	r.end()
	return r.got, results, strings.Join(r.reports, "\n")
}

// reportingTranscript records each subtest's reports by name.
type reportingTranscript struct {
	*transcript
	got map[string]string
}

func (r *reportingTranscript) Run(name string, f func(*reportingTranscript)) bool {
	sub := &reportingTranscript{transcript: &transcript{name: r.name + "/" + name, quiet: true}, got: r.got}
	f(sub)
	sub.end()
	switch {
	case sub.skipped:
		r.got[name] = "skipped"
	default:
		r.got[name] = strings.Join(sub.reports, "\n")
	}
	return !sub.failed
}

// TestRunProfileDefaultsToStrict: a subject that claims no profile is
// judged, and named, as strict, never "".
func TestRunProfileDefaultsToStrict(t *testing.T) {
	surf := reference.NewSurface(harness.Oneshot, nil, reference.Options{Profile: resolver.Strict, Decide: walksOn429})
	sub := &harness.Subject{Name: "no-claim", Surfaces: map[string]harness.Surface{harness.Oneshot: surf}}
	got, results, _ := subtests(t, sub, gatetest.Options{Scenarios: sf8Only(t), Surfaces: []string{harness.Oneshot}})
	if len(results) != 1 || results[0].Profile != "strict" {
		t.Fatalf("results %+v; want one, profile strict", results)
	}
	if msg := got["SF-8/oneshot"]; !strings.Contains(msg, "profile strict, seed") || strings.Contains(msg, `profile ""`) || strings.Contains(msg, "profile ,") {
		t.Errorf("the failure does not name the profile strict:\n%s", msg)
	}
	_, _, parent := subtests(t, gatetest.Decider("x", resolver.Resolve), gatetest.Options{Profile: "lenient"})
	if !strings.Contains(parent, `unknown profile "lenient"`) {
		t.Errorf("an unknown profile: %q", parent)
	}
}

// TestRunSubtests: every scenario × surface is a subtest named
// "SF-n/surface"; a failing one reports its rules, its ledger and the go
// test command that runs it alone; a surface the subject lacks is
// skipped; a parity divergence fails the parent.
func TestRunSubtests(t *testing.T) {
	ref := reference.Subject("mixed", reference.Options{})
	mixed := gatetest.Surfaces("mixed",
		reference.NewSurface(harness.Oneshot, nil, reference.Options{Profile: resolver.Strict, Decide: walksOn429}), ref.Surfaces[harness.Gateway])
	mixed.Capabilities = ref.Capabilities
	got, results, parent := subtests(t, mixed, gatetest.Options{Seed: 7})
	if len(got) != 27 {
		t.Fatalf("%d subtests; want 27: %v", len(got), got)
	}
	for name, msg := range got {
		id, surf, _ := strings.Cut(name, "/")
		switch {
		case surf == harness.CLI:
			if msg != "skipped" {
				t.Errorf("%s: %q; want skipped (no cli surface)", name, msg)
			}
		case name == "SF-8/oneshot":
			for _, want := range []string{"R7: quota amplification", "ledger:", "#1 +0s openai-codex resolve", "reproduce: go test -run '^TestGate$/^SF-8$/^oneshot$' -fallbackgate.seed=7 ./harness/gatetest"} {
				if !strings.Contains(msg, want) {
					t.Errorf("%s lacks %q:\n%s", name, want, msg)
				}
			}
		default:
			if msg != "" {
				t.Errorf("%s (%s) failed: %s", name, id, msg)
			}
		}
	}
	if len(results) != 18 {
		t.Errorf("%d results; want the 18 cases that ran", len(results))
	}
	if !strings.Contains(parent, "parity: SF-8: the surfaces decided differently (oneshot: landed 0") {
		t.Errorf("the parent does not report SF-8's parity divergence: %q", parent)
	}
}

// TestRunManifest: an exec subject through its manifest; a gateway that
// dies on a failed start-up fails the cases that kill it, and every later
// case gets a fresh gateway.
func TestRunManifest(t *testing.T) {
	sub, err := gatetest.Manifest(referenceManifest(t.TempDir(), "--mutant", "gateway-dies-on-failure"))
	if err != nil {
		t.Fatal(err)
	}
	got, _, _ := subtests(t, sub, gatetest.Options{Surfaces: []string{harness.Gateway}})
	if len(got) != 9 {
		t.Fatalf("%d subtests; want 9", len(got))
	}
	kills := map[string]bool{"SF-4": true, "SF-5": true, "SF-7": true, "SF-8": true} // their start-ups fail
	for name, msg := range got {
		id, _, _ := strings.Cut(name, "/")
		if kills[id] != strings.Contains(msg, "R17: gateway crashed") || (!kills[id] && msg != "") {
			t.Errorf("%s: %q; want R17 exactly when its start-up fails", name, msg)
		}
	}
}

// TestRunNotStarted: a surface whose program cannot be executed, or whose
// process exits before speaking the protocol, is reported once, with its
// stderr, and every later case of it points there.
func TestRunNotStarted(t *testing.T) {
	dir := t.TempDir()
	manifest := filepath.Join(dir, "subject.yaml")
	if err := os.WriteFile(manifest, []byte("name: broken\nsurfaces:\n  oneshot: [/bin/sh, -c, 'echo \"ImportError: no module named sdk\" >&2; exit 1']\n  cli: [./missing-adapter]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub, err := gatetest.Manifest(manifest)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := scenarios.Select([]string{"SF-1", "SF-2"})
	if err != nil {
		t.Fatal(err)
	}
	got, _, _ := subtests(t, sub, gatetest.Options{Scenarios: sel, Surfaces: []string{harness.Oneshot, harness.CLI}})
	for name, want := range map[string]string{
		"SF-1/oneshot": "the oneshot surface of broken could not be started: its process exited with code 1 before speaking the protocol",
		"SF-2/oneshot": "the oneshot surface of broken could not be started; see SF-1/oneshot",
		"SF-1/cli":     `could not be started: `,
		"SF-2/cli":     "the cli surface of broken could not be started; see SF-1/cli",
	} {
		if !strings.Contains(got[name], want) {
			t.Errorf("%s: %q; want %q", name, got[name], want)
		}
	}
	if !strings.Contains(got["SF-1/oneshot"], "| ImportError: no module named sdk") || !strings.Contains(got["SF-1/cli"], "missing-adapter") {
		t.Errorf("the first failures lack the stderr or the program: %q, %q", got["SF-1/oneshot"], got["SF-1/cli"])
	}
}

// TestProp: the property stage passes the contract's own decision and
// fails the planted bug with the shrunk counterexample and the go test
// command that repeats the search.
func TestProp(t *testing.T) {
	ok := &transcript{name: "TestProp", quiet: true}
	if rep := gatetest.Prop(ok, gatetest.Decider("contract", resolver.Resolve), gatetest.PropOptions{Checks: 200}); rep == nil || !rep.OK() || ok.failed {
		t.Errorf("the contract's decision fails properties: %v", ok.reports)
	}
	bad := &transcript{name: "TestProp", quiet: true}
	rep := gatetest.Prop(bad, gatetest.Decider("walks-on-429", walksOn429), gatetest.PropOptions{Surfaces: []string{harness.Gateway}, Seed: 3})
	msg := strings.Join(bad.reports, "\n")
	if rep == nil || rep.Failure == nil || !strings.Contains(msg, "FAIL R7") || !strings.Contains(msg, "faults:") ||
		!strings.Contains(msg, "reproduce the search: go test -run '^TestProp$' -fallbackgate.seed=3 ./harness/gatetest") {
		t.Errorf("the planted bug: %s", msg)
	}
}

// TestHaveViolated matches every kind of actual it documents, and says
// what it got otherwise.
func TestHaveViolated(t *testing.T) {
	vs := harness.Violations{{Rule: "R7", Message: "quota amplification"}}
	res := harness.Result{Scenario: "SF-8", Surface: "oneshot", Violations: vs}
	for _, actual := range []any{res, &res, vs, []harness.Violation(vs), error(vs), fmt.Errorf("judged: %w", vs)} {
		if ok, err := gatetest.HaveViolated("R7").Match(actual); !ok || err != nil {
			t.Errorf("HaveViolated(R7).Match(%T) = %t, %v; want true", actual, ok, err)
		}
		if ok, _ := gatetest.HaveViolated("R6").Match(actual); ok {
			t.Errorf("HaveViolated(R6) matches %T", actual)
		}
	}
	if ok, err := gatetest.HaveViolated("R7").Match(nil); ok || err != nil {
		t.Errorf("nil (model.Check passed): %t, %v", ok, err)
	}
	if _, err := gatetest.HaveViolated("R7").Match("R7"); err == nil {
		t.Error("a string is matched instead of refused")
	}
	if msg := gatetest.HaveViolated("R6").FailureMessage(res); !strings.Contains(msg, "Expected a violation of R6, got SF-8/oneshot violations:\n  R7: quota amplification") {
		t.Errorf("failure message %q", msg)
	}
}

func sf8Only(t *testing.T) []harness.Scenario {
	t.Helper()
	s, err := scenarios.Select([]string{"SF-8"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
