package harness_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/prop"
)

// TestResolvedFastForGenerated checks that every config the case
// generator (prop.Gen) draws takes the fast path and equals ParseConfig's
// reading: the property runs never pay for the text. It is an external
// test because package prop imports harness.
func TestResolvedFastForGenerated(t *testing.T) {
	gen := prop.Gen(prop.GenOptions{})
	for i := range 500 {
		g := gen.Example(i)
		c := g.Scenario.Config
		got, ok := harness.WrittenConfig(c)
		if !ok {
			t.Fatalf("case %d: the fast path refused a generated config: %#v", i, c)
		}
		want, err := harness.ParsedConfig(c)
		if err != nil {
			t.Fatalf("case %d: ParseConfig: %v", i, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("case %d: fast path differs from ParseConfig (-want +got):\n%s", i, diff)
		}
		resolved, err := c.Resolved()
		if err != nil {
			t.Fatalf("case %d: Resolved: %v", i, err)
		}
		if diff := cmp.Diff(want, resolved); diff != "" {
			t.Fatalf("case %d: Resolved differs from ParseConfig (-want +got):\n%s", i, diff)
		}
	}
}
