package scenarios

import "testing"

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
	if _, err := Select([]string{"SF-4", "SF-42"}); err == nil {
		t.Fatal("Select(SF-42) succeeded; want an error naming it")
	} else if got := err.Error(); got != "unknown scenario SF-42 (known: SF-1, SF-2, SF-3, SF-4, SF-5, SF-6, SF-7, SF-8, SF-9)" {
		t.Errorf("Select error = %q", got)
	}
}
