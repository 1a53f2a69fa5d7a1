package scenarios

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"

	"github.com/fallbackgate/fallbackgate/harness"
)

// The suite's labels. They are string literals in Label calls, never
// built from constants, because `ginkgo labels ./scenarios` reads the
// source and lists only literals; TestLabels keeps them equal to the
// catalogue. Select with --label-filter, e.g. 'rule:R7 && surface:gateway'.
var (
	labelInProcess   = Label("path:in-process")
	labelExec        = Label("path:exec")
	labelPython      = Label("path:python")
	labelSubject     = Label("path:subject") // FALLBACKGATE_SUBJECT's grid (subject_test.go)
	labelAllSurfaces = Label("surface:oneshot", "surface:gateway", "surface:cli")

	// surfaceLabels is each surface's label.
	surfaceLabels = map[string]Labels{
		harness.Oneshot: Label("surface:oneshot"),
		harness.Gateway: Label("surface:gateway"),
		harness.CLI:     Label("surface:cli"),
	}

	// scenarioLabels is each scenario's label and a label per rule its
	// file checks (its rules: field).
	scenarioLabels = map[string]Labels{
		"SF-1": Label("scenario:SF-1", "rule:R4", "rule:R14", "rule:R15"),
		"SF-2": Label("scenario:SF-2", "rule:R9", "rule:R10", "rule:R14", "rule:R15"),
		"SF-3": Label("scenario:SF-3", "rule:R9", "rule:R11", "rule:R14", "rule:R15"),
		"SF-4": Label("scenario:SF-4", "rule:R11", "rule:R13"),
		"SF-5": Label("scenario:SF-5", "rule:R8"),
		"SF-6": Label("scenario:SF-6", "rule:R9", "rule:R10"),
		"SF-7": Label("scenario:SF-7", "rule:R6"),
		"SF-8": Label("scenario:SF-8", "rule:R7"),
		"SF-9": Label("scenario:SF-9", "rule:R9", "rule:R12"),
	}
)

// TestLabels: every scenario of the catalogue has its scenario label and
// one per rule of its file, every surface its label; and `ginkgo labels`
// lists them all, which it does only for literals.
func TestLabels(t *testing.T) {
	var want []string
	for _, sc := range All() {
		exp := []string{"scenario:" + sc.ID}
		for _, r := range sc.Rules {
			exp = append(exp, "rule:"+r)
		}
		if got := []string(scenarioLabels[sc.ID]); !slices.Equal(got, exp) {
			t.Errorf("scenarioLabels[%s] = %q; want %q (the rules of %s)", sc.ID, got, exp, sc.Source)
		}
		want = append(want, exp...)
	}
	if len(scenarioLabels) != len(All()) {
		t.Errorf("scenarioLabels has %d scenarios; the catalogue %d", len(scenarioLabels), len(All()))
	}
	for _, surf := range harness.Surfaces {
		if got := []string(surfaceLabels[surf]); !slices.Equal(got, []string{"surface:" + surf}) {
			t.Errorf("surfaceLabels[%s] = %q", surf, got)
		}
		want = append(want, "surface:"+surf)
	}
	if testing.Short() {
		return
	}
	out, err := exec.Command("go", "run", "github.com/onsi/ginkgo/v2/ginkgo", "labels", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("ginkgo labels: %v\n%s", err, out)
	}
	for _, l := range append(want, "path:in-process", "path:exec", "path:python", "path:subject") {
		if !strings.Contains(string(out), `"`+l+`"`) {
			t.Errorf("ginkgo labels does not list %q:\n%s", l, out)
		}
	}
}
