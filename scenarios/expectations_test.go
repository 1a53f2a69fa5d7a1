package scenarios

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/model"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// The checker never trusts a scenario file's expectations: it judges every
// run against model.Predict. The tests in this file prove that what the
// files tell a person (expect:, profiles:) is what the model predicts and
// what the reference surfaces do, for every profile, so the files cannot
// drift into documentation that lies.

// expectationSeed is the fakes' seed for these tests. Expectations do not
// depend on it; TestExpectationsIgnoreSeed checks that.
const expectationSeed = 1

// expectationOpts treats `remaining: []` and an absent remaining alike.
var expectationOpts = cmp.Options{cmpopts.EquateEmpty()}

// compareExpectation returns nil when the file's expectation for profile
// equals got, else an error naming the file, the profile, every field that
// differs (as the file spells it) and the diff.
func compareExpectation(sc harness.Scenario, profile, what string, got harness.Expectation) error {
	file := sc.ExpectationFor(profile)
	diff := cmp.Diff(file, got, expectationOpts)
	if diff == "" {
		return nil
	}
	where := "expect"
	if _, ok := sc.Profiles[profile]; ok {
		where = "profiles." + profile
	}
	return fmt.Errorf("%s: %s: profile %s: %s differ from %s (-file +%s):\n%s",
		sc.Source, where, profile, strings.Join(expectationFields(file, got), ", "), what, what, diff)
}

// expectationFields lists the fields, by their YAML names, in which a and b
// differ.
func expectationFields(a, b harness.Expectation) []string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	t := va.Type()
	var out []string
	for i := range t.NumField() {
		if !cmp.Equal(va.Field(i).Interface(), vb.Field(i).Interface(), expectationOpts) {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			out = append(out, name)
		}
	}
	return out
}

func TestExpectationsMatchModel(t *testing.T) {
	ctx := context.Background()
	for _, sc := range All() {
		for _, p := range resolver.Profiles() {
			t.Run(sc.ID+"/"+p.Name, func(t *testing.T) {
				want, err := model.Predict(ctx, sc, p, expectationSeed, model.Options{})
				if err != nil {
					t.Fatalf("Predict(%s, %s): %v", sc.ID, p.Name, err)
				}
				if err := compareExpectation(sc, p.Name, "model", model.Expectation(want)); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// TestExpectationsMatchReferenceSurfaces runs every scenario on every
// in-process reference surface under every profile and reads what each
// surface did back into the words of a scenario file: the file must say
// exactly that. It also guards the model test above against a shared blind
// spot: here the resolves come from the fakes' ledger of a real run.
func TestExpectationsMatchReferenceSurfaces(t *testing.T) {
	for _, p := range resolver.Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			// Without the runtime hand-off, so that the ledger holds the
			// start-up's resolves only.
			sub := reference.Subject("reference", reference.Options{Profile: p, NoRuntimeFallback: true})
			t.Cleanup(func() {
				if err := sub.Close(); err != nil {
					t.Errorf("closing the reference subject: %v", err)
				}
			})
			rep, err := gate.Run(context.Background(), gate.Config{Subject: sub, Scenarios: All(), Seed: expectationSeed, Parallel: 4})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got, want := len(rep.Results), len(All())*len(harness.Surfaces); got != want {
				t.Fatalf("Run judged %d cases; want %d", got, want)
			}
			for _, res := range rep.Results {
				sc := mustSelect(t, res.Scenario)
				if err := compareExpectation(sc, p.Name, res.Surface+" surface", observedExpectation(res)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// observedExpectation reads a result back into a scenario file's words. The
// gateway has no exit code; its reply class stands for one (ok 0,
// rate_limit 75, auth and other 1), as CONTRACT.md's surface table pairs
// them.
func observedExpectation(res harness.Result) harness.Expectation {
	e := harness.Expectation{Exit: res.Outcome.ExitCode}
	for _, c := range res.Ledger {
		if c.Endpoint == fakes.EndpointResolve {
			e.Resolves = append(e.Resolves, callTarget(c))
		}
	}
	for _, ev := range res.Outcome.Events {
		switch ev.Event {
		case harness.EventFallback:
			e.FallbackEvents++
		case harness.EventStarted:
			e.Landed, e.Model, e.Remaining = ev.LandedAt, ev.Model, res.Observed.Remaining
		case harness.EventFailed:
			e.Surfaced = ev.Error.Provider
		}
	}
	if res.Surface == harness.Gateway {
		e.Exit = -1
		if r := res.Outcome.Reply; r != nil {
			switch {
			case r.OK:
				e.Exit = harness.ExitOK
			case r.Class == resolver.ClassRateLimited.String():
				e.Exit = harness.ExitRateLimited
			default:
				e.Exit = harness.ExitFailure
			}
		}
	}
	return e
}

// callTarget renders a call as scenario files do: "provider/model", or the
// bare provider when the request named no model.
func callTarget(c fakes.Call) string {
	if c.Model == nil || *c.Model == "" {
		return c.Provider
	}
	return c.Provider + "/" + *c.Model
}

func mustSelect(t testing.TB, id string) harness.Scenario {
	t.Helper()
	s, err := Select([]string{id})
	if err != nil || len(s) != 1 {
		t.Fatalf("Select(%s) = %d scenarios, %v", id, len(s), err)
	}
	return s[0]
}

func TestExpectationsIgnoreSeed(t *testing.T) {
	ctx := context.Background()
	for _, sc := range All() {
		a, errA := model.Predict(ctx, sc, resolver.Strict, 1, model.Options{})
		b, errB := model.Predict(ctx, sc, resolver.Strict, 987654321, model.Options{})
		if errA != nil || errB != nil {
			t.Fatalf("Predict(%s): %v, %v", sc.ID, errA, errB)
		}
		if diff := cmp.Diff(model.Expectation(a), model.Expectation(b), expectationOpts); diff != "" {
			t.Errorf("%s: the prediction depends on the seed (-seed 1 +seed 987654321):\n%s", sc.Source, diff)
		}
	}
}

// TestCompareExpectationFails proves the comparison above has teeth: a file
// that is wrong in any one field is reported, naming the file, the profile
// and the field.
func TestCompareExpectationFails(t *testing.T) {
	sf2 := mustSelect(t, "SF-2")
	want, err := model.Predict(context.Background(), sf2, resolver.Strict, expectationSeed, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	predicted := model.Expectation(want)
	if err := compareExpectation(sf2, resolver.Strict.Name, "model", predicted); err != nil {
		t.Fatalf("the honest SF-2 expectation is reported: %v", err)
	}
	three := 3
	for _, tc := range []struct {
		field  string
		mutate func(*harness.Expectation)
	}{
		{"resolves", func(e *harness.Expectation) { e.Resolves = slices.Clone(e.Resolves[:1]) }},
		{"landed", func(e *harness.Expectation) { e.Landed = &three }},
		{"landed", func(e *harness.Expectation) { e.Landed = nil }},
		{"model", func(e *harness.Expectation) { e.Model = "grok-4.3" }},
		{"remaining", func(e *harness.Expectation) { e.Remaining = append(slices.Clone(e.Remaining), "xai-oauth/grok-4.3") }},
		{"surfaced", func(e *harness.Expectation) { e.Surfaced = "xai-oauth" }},
		{"exit", func(e *harness.Expectation) { e.Exit = 75 }},
		{"fallback_events", func(e *harness.Expectation) { e.FallbackEvents = 0 }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			wrong := sf2
			exp := sf2.Expect
			exp.Resolves, exp.Remaining = slices.Clone(exp.Resolves), slices.Clone(exp.Remaining)
			tc.mutate(&exp)
			wrong.Expect = exp
			err := compareExpectation(wrong, resolver.Strict.Name, "model", predicted)
			if err == nil {
				t.Fatalf("a wrong %s was not reported", tc.field)
			}
			for _, s := range []string{"scenarios/files/SF-2.yaml", "profile strict", tc.field + " differ", "(-file +model)"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("the report does not say %q:\n%v", s, err)
				}
			}
		})
	}
	// A profile listed under profiles: is compared with its own entry, one
	// not listed with expect:.
	sf8 := mustSelect(t, "SF-8")
	up, err := model.Predict(context.Background(), sf8, resolver.Upstream, expectationSeed, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := compareExpectation(sf8, resolver.Strict.Name, "model", model.Expectation(up)); err == nil {
		t.Error("SF-8: the upstream prediction matched expect: (strict); want a difference")
	} else if !strings.Contains(err.Error(), "SF-8.yaml: expect: profile strict") {
		t.Errorf("the report does not name expect: and the profile: %v", err)
	}
	wrong := sf8
	wrong.Profiles = map[string]harness.Expectation{resolver.Upstream.Name: sf8.Expect}
	if err := compareExpectation(wrong, resolver.Upstream.Name, "model", model.Expectation(up)); err == nil {
		t.Error("SF-8 with profiles.upstream equal to expect: was not reported")
	} else if !strings.Contains(err.Error(), "profiles.upstream: profile upstream") {
		t.Errorf("the report does not name profiles.upstream: %v", err)
	}
}

// TestExpectationsAreNotVacuous guards the tests above: the files must
// between them cover a landing, a fallback, each failure exit, and a profile
// that differs from strict, or equality proves little.
func TestExpectationsAreNotVacuous(t *testing.T) {
	var landed, fellBack, exit1, exit75, profiled bool
	for _, sc := range All() {
		e := sc.Expect
		landed = landed || e.Landed != nil
		fellBack = fellBack || e.FallbackEvents == 1
		exit1 = exit1 || e.Exit == harness.ExitFailure
		exit75 = exit75 || e.Exit == harness.ExitRateLimited
		profiled = profiled || len(sc.Profiles) > 0
		if len(e.Resolves) == 0 {
			t.Errorf("%s: expect.resolves is empty; every scenario resolves at least the primary", sc.Source)
		}
	}
	if !landed || !fellBack || !exit1 || !exit75 || !profiled {
		t.Errorf("the scenario files cover landed=%t fallback=%t exit1=%t exit75=%t profiles=%t; want all", landed, fellBack, exit1, exit75, profiled)
	}
}
