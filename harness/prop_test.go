package harness_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega"
	"pgregory.net/rapid"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// envPropSubject makes the test binary act as the reference subject on one
// surface, so that the property runs against the reference over exec.
const envPropSubject = "FALLBACKGATE_PROP_REFERENCE"

func init() {
	surface := os.Getenv(envPropSubject)
	if surface == "" {
		return
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	os.Exit(harness.RunReference(context.Background(), surface, os.Getenv, os.Stdin, os.Stdout, os.Stderr, client, harness.Options{}))
}

// walksOnRateLimit is the bug of broken/falls-back-on-429: it walks the
// chain past a rate-limited primary while claiming strict.
func walksOnRateLimit(req resolver.Request, rf resolver.ResolveFunc) (resolver.Decision, error) {
	req.Profile.WalkOnRateLimit = true
	return resolver.Resolve(req, rf)
}

// saveOnFailure writes the last failing case of a rapid property as a
// scenario file when the test fails (STYLE.md item 12), into
// $FALLBACKGATE_COUNTEREXAMPLES or the test's temporary directory.
func saveOnFailure(t *testing.T, last **harness.CaseOutcome) {
	t.Cleanup(func() {
		if !t.Failed() || *last == nil {
			return
		}
		dir := os.Getenv("FALLBACKGATE_COUNTEREXAMPLES")
		if dir == "" {
			dir = t.TempDir()
		}
		sc, data, err := harness.Counterexample(context.Background(), **last, "found by "+t.Name())
		if err != nil {
			t.Logf("counterexample could not be written: %v", err)
			return
		}
		path, err := harness.SaveScenario(dir, sc.ID, data)
		if err != nil {
			t.Logf("counterexample could not be saved: %v", err)
			return
		}
		t.Logf("shrunk counterexample saved as %s; replay: fallbackgate run --scenario-file %s", path, path)
	})
}

// TestPropertyReferenceInProcess is the differential property on the
// in-process reference surfaces: any generated case, any profile (hangs
// included), every surface agrees with the model and every ledger
// invariant holds.
func TestPropertyReferenceInProcess(t *testing.T) {
	var last *harness.CaseOutcome
	saveOnFailure(t, &last)
	gen := harness.Gen(harness.GenOptions{Hang: true})
	counts := harness.ClassCounts{}
	rapid.Check(t, func(rt *rapid.T) {
		g := gen.Draw(rt, "case")
		o, err := harness.RunGenerated(context.Background(), harness.ReferenceTarget{}, g, harness.Surfaces, 1)
		gm := gomega.NewWithT(rt)
		gm.Expect(err).NotTo(gomega.HaveOccurred())
		counts.Add(o.Classes)
		if len(o.Failed()) > 0 {
			last = &o
		}
		for _, r := range o.Results {
			gm.Expect(r.Violations).To(gomega.BeEmpty(), "%s on %s:\n%s", g.GoString(), r.Surface, r.Violations)
		}
	})
	t.Logf("classes: %s", counts)
}

// TestPropertyReferenceOverExec runs the same property through the exec
// adapter against the reference subject (this test binary), bounded.
func TestPropertyReferenceOverExec(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	m := &harness.Manifest{Name: "reference-exec", Profile: "strict", Capabilities: []string{harness.CapabilityRuntimeFallback},
		Surfaces: map[string][]string{}, Env: map[string]string{}}
	for _, s := range harness.Surfaces {
		m.Surfaces[s] = []string{exe}
	}
	open := func() (*harness.Subject, error) {
		sub := &harness.Subject{Name: m.Name, Profile: resolver.Strict, Capabilities: m.Capabilities, Surfaces: map[string]harness.Surface{}}
		for _, s := range harness.Surfaces {
			mm := *m
			mm.Env = map[string]string{envPropSubject: s}
			surf, err := mm.Surface(s)
			if err != nil {
				return nil, err
			}
			sub.Surfaces[s] = surf
		}
		return sub, nil
	}
	target, err := harness.NewSubjectTarget(open)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	rep, err := harness.Prop(context.Background(), harness.PropConfig{Target: target, Checks: 6, Seed: 3, SaveDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failure != nil {
		t.Fatalf("the reference over exec failed a generated case:\n%s\n%v", rep.Failure.YAML, rep.Failure.Outcome.Failed()[0].Violations)
	}
	if rep.Cases != 6 {
		t.Errorf("ran %d cases; want 6", rep.Cases)
	}
}

// TestPropFindsShrinksSavesReplays runs the command-line property against
// the bug of broken/falls-back-on-429 (in-process): it must fail, shrink
// to a primary 429 with a one-entry chain, shrink to the same case again
// with the same seed, and save a scenario file that parses and that fails
// the mutant and passes the reference when replayed.
func TestPropFindsShrinksSavesReplays(t *testing.T) {
	dir := t.TempDir()
	mutant := harness.ReferenceTarget{Label: "walks-on-429", Options: harness.Options{Decide: walksOnRateLimit}, FixedProfile: true}
	rep, err := harness.Prop(context.Background(), harness.PropConfig{Target: mutant, Checks: 200, Seed: 11, SaveDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Failure
	if f == nil {
		t.Fatalf("Prop passed %d cases of a subject that walks past a 429; want a counterexample", rep.Cases)
	}
	// Same seed, same result: the run again draws the same cases and
	// shrinks to the same counterexample.
	again, err := harness.Prop(context.Background(), harness.PropConfig{Target: mutant, Checks: 200, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	if again.Failure == nil || again.Cases != rep.Cases || again.Classes.String() != rep.Classes.String() || !bytes.Equal(again.Failure.YAML, f.YAML) {
		t.Errorf("a second run with seed 11 differs: %d cases (%s) vs %d (%s)", again.Cases, again.Classes, rep.Cases, rep.Classes)
	}
	if rules := f.Scenario.Rules; !slices.Contains(rules, "R7") && !slices.Contains(rules, "R12") {
		t.Errorf("counterexample cites %v; want R7 (or R12, for a chain that repeats the rate-limited primary)", rules)
	}
	if n := len(f.Scenario.Config.FallbackProviders); n != 1 {
		t.Errorf("shrunk chain has %d entries; want 1:\n%s", n, f.YAML)
	}
	if plan := f.Scenario.Faults[f.Scenario.Config.Model.Provider]; !strings.HasPrefix(plan, "429") {
		t.Errorf("shrunk primary plan is %q; want a 429", plan)
	}
	data, err := os.ReadFile(f.Saved)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, f.YAML) || filepath.Dir(f.Saved) != dir {
		t.Errorf("saved %s differs from the printed counterexample", f.Saved)
	}
	sc, err := harness.ParseScenario(f.Saved, data)
	if err != nil {
		t.Fatalf("saved counterexample does not parse: %v", err)
	}
	for _, surf := range harness.Surfaces {
		bad, err := harness.RunReferenceCase(context.Background(), "mutant", harness.Options{Decide: walksOnRateLimit}, sc, surf, 1, fakes.NewManualClock(testEpoch))
		if err != nil {
			t.Fatal(err)
		}
		if bad.Verdict != harness.VerdictFail {
			t.Errorf("replaying %s on the mutant's %s passed; want a failure", f.Saved, surf)
		}
		good, err := harness.RunReferenceCase(context.Background(), "reference", harness.Options{}, sc, surf, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if good.Verdict != harness.VerdictPass {
			t.Errorf("replaying %s on the reference's %s failed: %v", f.Saved, surf, good.Violations)
		}
	}
}

// TestPropVacuousGuard: a run in which some class of start-up never came
// up fails, even though every case passed.
func TestPropVacuousGuard(t *testing.T) {
	rep, err := harness.Prop(context.Background(), harness.PropConfig{Target: harness.ReferenceTarget{}, Checks: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failure != nil {
		t.Fatalf("the reference failed: %s", rep.Failure.YAML)
	}
	if rep.Vacuous == nil || rep.OK() {
		t.Fatalf("a one-case run (%s) reported OK; want it vacuous", rep.Classes)
	}
	full, err := harness.Prop(context.Background(), harness.PropConfig{Target: harness.ReferenceTarget{}, Checks: 300, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !full.OK() {
		t.Fatalf("300 cases on the reference: vacuous=%v failure=%v; want OK with every class (%s)", full.Vacuous, full.Failure != nil, full.Classes)
	}
	for _, c := range harness.Classes {
		if full.Classes[c] == 0 {
			t.Errorf("no case %s in 300", c)
		}
	}
	if err := (harness.ClassCounts{harness.ClassFellBack: 3}).Vacuous(); err == nil || !strings.Contains(err.Error(), "no case rate-limited") {
		t.Errorf("Vacuous() = %v; want it to name the empty classes", err)
	}
}

// TestGenDrawsEverything: the generator reaches every fault kind, repeats
// of the primary, entries without a model, base URLs, shorthand strings,
// every pin shape and every profile.
func TestGenDrawsEverything(t *testing.T) {
	gen := harness.Gen(harness.GenOptions{Hang: true})
	seen := map[string]bool{}
	for i := range 400 {
		g := gen.Example(i)
		sc := g.Scenario
		seen["profile "+g.Profile.Name] = true
		for _, e := range sc.Config.FallbackProviders {
			seen["repeat"] = seen["repeat"] || e.Provider == sc.Config.Model.Provider
			seen["no model"] = seen["no model"] || e.Model == ""
			seen["base url"] = seen["base url"] || e.BaseURL != ""
			seen["shorthand"] = seen["shorthand"] || e.Shorthand
		}
		seen["long chain"] = seen["long chain"] || len(sc.Config.FallbackProviders) >= 6
		seen["pin model"] = seen["pin model"] || sc.Pin.Model != "" && sc.Pin.Provider == ""
		seen["pin provider"] = seen["pin provider"] || sc.Pin.Model != "" && sc.Pin.Provider != ""
		seen["bad usage"] = seen["bad usage"] || sc.Pin.Model == "" && sc.Pin.Provider != ""
		for _, plan := range sc.Faults {
			p, err := fakes.Parse(plan)
			if err != nil {
				t.Fatalf("generated plan %q does not parse: %v", plan, err)
			}
			for i, st := range p.Resolve {
				seen["kind "+st.Fault.Kind.String()] = true
				if i > 0 {
					seen["mid-run"] = true
				}
			}
		}
	}
	want := []string{"repeat", "no model", "base url", "shorthand", "long chain", "pin model", "pin provider", "bad usage", "mid-run"}
	for _, p := range resolver.Profiles() {
		want = append(want, "profile "+p.Name)
	}
	for _, k := range fakes.Kinds() {
		want = append(want, "kind "+k.String())
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("400 generated cases never had %s", w)
		}
	}
}

// testEpoch is where the virtual clocks of these tests start.
var testEpoch = time.Date(2026, 6, 7, 9, 0, 0, 0, time.UTC)
