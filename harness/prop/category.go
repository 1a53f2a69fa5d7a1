package prop

import (
	"fmt"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Category names a kind of start-up a property run must meet at least
// once, or the run is vacuous (STYLE.md item 8).
type Category string

// The categories of a property run.
const (
	// FellBack: the model lands on a chain entry.
	FellBack Category = "fell back"
	// Pinned: the start-up is pinned (R6), and is not bad usage.
	Pinned Category = "pinned"
	// RateLimited: the primary answers a 429 (R7).
	RateLimited Category = "rate-limited"
	// Exhausted: every entry failed and the last error is surfaced
	// (R13).
	Exhausted Category = "exhausted"
)

// Categories lists the categories in report order.
var Categories = []Category{FellBack, Pinned, RateLimited, Exhausted}

// CategoriesOf returns the categories the model's expectation for one case
// belongs to.
func CategoriesOf(want harness.Expected) []Category {
	var cs []Category
	if want.BadUsage {
		return nil
	}
	if want.Err == nil && want.Decision.FellBack() {
		cs = append(cs, FellBack)
	}
	if want.Request.Pinned {
		cs = append(cs, Pinned)
	}
	if len(want.Decision.Trace) > 0 && want.Decision.Trace[0].Resolution == resolver.ResolutionRateLimited {
		cs = append(cs, RateLimited)
	}
	if want.Rule == "R13" {
		cs = append(cs, Exhausted)
	}
	return cs
}

// Counts counts the cases of a property run per category.
type Counts map[Category]int

// Add counts the categories of one case.
func (c Counts) Add(cs []Category) {
	for _, k := range cs {
		c[k]++
	}
}

// Vacuous returns an error naming every category no case belonged to, or
// nil.
func (c Counts) Vacuous() error {
	var empty []string
	for _, k := range Categories {
		if c[k] == 0 {
			empty = append(empty, string(k))
		}
	}
	if len(empty) == 0 {
		return nil
	}
	return fmt.Errorf("vacuous run: no generated case %s (raise the number of checks or change the seed)", strings.Join(empty, ", no case "))
}

// String reads "fell back 31, pinned 27, rate-limited 9, exhausted 4".
func (c Counts) String() string {
	parts := make([]string, len(Categories))
	for i, k := range Categories {
		parts[i] = fmt.Sprintf("%s %d", k, c[k])
	}
	return strings.Join(parts, ", ")
}
