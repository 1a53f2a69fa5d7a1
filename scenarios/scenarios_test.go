package scenarios

import (
	"strings"
	"testing"
)

func TestAllParse(t *testing.T) {
	all := All()
	if len(all) != 9 {
		t.Fatalf("All() returned %d scenarios; want the nine of CONTRACT.md", len(all))
	}
	for i, s := range all {
		if want := "SF-" + string(rune('1'+i)); s.ID != want {
			t.Errorf("scenario %d is %s; want %s", i, s.ID, want)
		}
	}
}

func TestSelectUnknown(t *testing.T) {
	if _, err := Select([]string{"SF-4", "SF-42", "prop-nope"}); err == nil {
		t.Fatal("Select(SF-42, prop-nope) succeeded; want an error naming them")
	} else if got := err.Error(); got != "unknown scenario SF-42, prop-nope (known: SF-1, SF-2, SF-3, SF-4, SF-5, SF-6, SF-7, SF-8, SF-9, "+
		"MX-2, MX-3, MX-4, MX-5, MX-6, MX-7, MX-8, MX-9, MX-10, handoff-entry-without-model, prop-59daa9d1, prop-7e6fea4e, usage-provider-without-model)" {
		t.Errorf("Select error = %q", got)
	}
}

// TestSelectByFileID: a scenario file's own ID selects it, an extra or a
// saved regression as well as one of the nine (issue 12, item 9).
func TestSelectByFileID(t *testing.T) {
	got, err := Select([]string{"prop-59daa9d1", "MX-3", "sf-2"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	if want := "SF-2 MX-3 prop-59daa9d1"; strings.Join(ids, " ") != want {
		t.Errorf("Select = %v; want %s", ids, want)
	}
}
