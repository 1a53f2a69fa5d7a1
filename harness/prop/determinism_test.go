package prop_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/harness/reference"
)

// TestDrawIsDeterministic: case i of a run seeded s is the same case
// however often, in whatever order and on however many goroutines it is
// drawn; different indexes and different seeds draw different cases.
func TestDrawIsDeterministic(t *testing.T) {
	gen := prop.Gen(prop.GenOptions{Hang: true, Until: true})
	const n = 64
	first := make([]string, n)
	for i := range n {
		first[i] = prop.Draw(gen, 7, i).GoString()
	}
	// Again, backwards, each on a goroutine of its own (with -race, a
	// draw that shared state with another would show).
	again := make([]string, n)
	var wg sync.WaitGroup
	for i := n - 1; i >= 0; i-- {
		wg.Go(func() { again[i] = prop.Draw(gen, 7, i).GoString() })
	}
	wg.Wait()
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("seed 7 drew other cases the second time (-first +again):\n%s", diff)
	}
	// The whole case, not only its printed form.
	for _, i := range []int{0, 1, n - 1} {
		if diff := cmp.Diff(prop.Draw(gen, 7, i), prop.Draw(gen, 7, i)); diff != "" {
			t.Errorf("case %d of seed 7 differs between two draws (-a +b):\n%s", i, diff)
		}
	}
	if distinct := len(slices.Compact(slices.Sorted(slices.Values(first)))); distinct != n {
		t.Errorf("%d distinct cases among the %d first of seed 7; want every index to draw its own", distinct, n)
	}
	same := 0
	for i := range n {
		if prop.Draw(gen, 8, i).GoString() == first[i] {
			same++
		}
	}
	if same > n/8 {
		t.Errorf("seeds 7 and 8 drew the same case at %d of %d indexes", same, n)
	}
}

// TestRunIsDeterministic: two property runs with the same seed against the
// in-process reference count the same categories case by case, and against
// a broken subject shrink to the same counterexample, byte for byte.
func TestRunIsDeterministic(t *testing.T) {
	ctx := context.Background()
	ref := inProcess("reference", reference.Options{}, nil)
	trail := func(seed int64) (*prop.Report, []string) {
		var seen []string
		rep, err := prop.Run(ctx, prop.Config{Target: ref, Checks: 100, Seed: seed,
			OnCase: func(n int, c prop.Counts) { seen = append(seen, fmt.Sprintf("%d: %s", n, c)) }})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Failure != nil {
			t.Fatalf("the reference failed with seed %d:\n%s", seed, rep.Failure.YAML)
		}
		return rep, seen
	}
	a, aSeen := trail(5)
	b, bSeen := trail(5)
	if a.Cases != b.Cases || a.Cases != 100 {
		t.Errorf("two runs with seed 5 ran %d and %d cases; want 100 each", a.Cases, b.Cases)
	}
	if diff := cmp.Diff(a.Counts, b.Counts); diff != "" {
		t.Errorf("two runs with seed 5 counted differently (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(aSeen, bSeen); diff != "" {
		t.Errorf("two runs with seed 5 met the categories in another order (-first +second):\n%s", diff)
	}
	if _, cSeen := trail(6); cmp.Equal(aSeen, cSeen) {
		t.Errorf("seeds 5 and 6 met the same categories case by case; the seed moves nothing")
	}

	broken := inProcess("mutant", mutant("falls-back-on-rate-limit").Options, strictProfile())
	for seed := int64(1); seed <= 3; seed++ {
		var reps [2]*prop.Report
		for i := range reps {
			rep, err := prop.Run(ctx, prop.Config{Target: broken, Checks: 200, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Failure == nil {
				t.Fatalf("seed %d: the mutant passed %d cases", seed, rep.Cases)
			}
			reps[i] = rep
		}
		x, y := reps[0], reps[1]
		if x.Cases != y.Cases || x.Failure.Shrinks != y.Failure.Shrinks {
			t.Errorf("seed %d: failed at case %d after %d shrinks, then at case %d after %d", seed, x.Cases, x.Failure.Shrinks, y.Cases, y.Failure.Shrinks)
		}
		if diff := cmp.Diff(string(x.Failure.YAML), string(y.Failure.YAML)); diff != "" {
			t.Errorf("seed %d: two runs shrank to different counterexamples (-first +second):\n%s", seed, diff)
		}
	}
}

// flagState is everything of flag.CommandLine a run could change: the set
// itself, whether it was parsed, every flag's value, default and usage,
// and which flags were set.
type flagState struct {
	set    *flag.FlagSet
	parsed bool
	values map[string]string
	given  []string
	env    []string // RAPID_* variables, which rapid reads at init
}

func snapshotFlags() flagState {
	s := flagState{set: flag.CommandLine, parsed: flag.Parsed(), values: map[string]string{}}
	flag.VisitAll(func(f *flag.Flag) {
		s.values[f.Name] = fmt.Sprintf("value %q, default %q, usage %q", f.Value.String(), f.DefValue, f.Usage)
	})
	flag.Visit(func(f *flag.Flag) { s.given = append(s.given, f.Name) })
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "RAPID_") {
			s.env = append(s.env, kv)
		}
	}
	return s
}

// TestRunLeavesFlagsAlone: a property run, passing or failing and
// shrinking, reads and writes no process-wide flag: flag.CommandLine is
// the same set afterwards, every flag has the value it had, and no rapid
// flag was set.
func TestRunLeavesFlagsAlone(t *testing.T) {
	before := snapshotFlags()
	rapidFlags := 0
	for name := range before.values {
		if strings.HasPrefix(name, "rapid.") {
			rapidFlags++
		}
	}
	if rapidFlags == 0 {
		t.Fatal("no rapid.* flag is registered in flag.CommandLine; this test would prove nothing about them")
	}
	ctx := context.Background()
	rep, err := prop.Run(ctx, prop.Config{Target: inProcess("reference", reference.Options{}, nil), Checks: 50, Seed: 2})
	if err != nil || rep.Failure != nil {
		t.Fatalf("the reference: %v, failure %v", err, rep.Failure != nil)
	}
	rep, err = prop.Run(ctx, prop.Config{Target: inProcess("mutant", mutant("falls-back-on-rate-limit").Options, strictProfile()), Checks: 200, Seed: 2})
	if err != nil || rep.Failure == nil || rep.Failure.Shrinks == 0 {
		t.Fatalf("the mutant: %v; want a failure shrunk (%+v)", err, rep.Failure)
	}
	after := snapshotFlags()
	if after.set != before.set {
		t.Error("flag.CommandLine was replaced")
	}
	if after.parsed != before.parsed {
		t.Errorf("flag.Parsed() went from %t to %t", before.parsed, after.parsed)
	}
	if diff := cmp.Diff(before.values, after.values); diff != "" {
		t.Errorf("flag values changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(before.given, after.given); diff != "" {
		t.Errorf("the flags set changed (-before +after):\n%s", diff)
	}
	for _, name := range after.given {
		if strings.HasPrefix(name, "rapid.") && !slices.Contains(before.given, name) {
			t.Errorf("the run set -%s", name)
		}
	}
	if diff := cmp.Diff(before.env, after.env); diff != "" {
		t.Errorf("RAPID_* environment changed (-before +after):\n%s", diff)
	}
}
