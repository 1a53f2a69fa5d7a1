package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPropChaosCheckExitCodes runs the three commands in-process: a clean
// run exits 0, a vacuous property run exits 1, a history re-checks clean,
// and a history that cannot be read is bad input.
func TestPropChaosCheckExitCodes(t *testing.T) {
	dir := t.TempDir()
	if out, errs, code := run(t, "prop", "--in-process", "--checks", "300", "--seed", "1", "--save", dir); code != 0 || !strings.Contains(out, "300 passed, 0 failed") || !strings.Contains(out, "seed 1") {
		t.Errorf("prop on the reference exited %d; want 0\n%s%s", code, out, errs)
	}
	if out, _, code := run(t, "prop", "--in-process", "--checks", "1", "--seed", "1"); code != 1 || !strings.Contains(out, "vacuous") {
		t.Errorf("a one-case prop run exited %d; want 1 (vacuous)\n%s", code, out)
	}
	hist := filepath.Join(dir, "h.jsonl")
	if out, errs, code := run(t, "chaos", "--in-process", "--seed", "4", "--turns", "6", "--history", hist, "--save", dir); code != 0 {
		t.Errorf("chaos on the reference exited %d; want 0\n%s%s", code, out, errs)
	}
	if out, errs, code := run(t, "check", hist); code != 0 || !strings.Contains(out, "48 passed, 0 failed") {
		t.Errorf("check of a clean history exited %d; want 0\n%s%s", code, out, errs)
	}
	if err := os.WriteFile(hist, []byte("not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, code := run(t, "check", hist); code != 2 {
		t.Errorf("check of a garbled history exited %d; want 2", code)
	}
	if _, _, code := run(t, "chaos", "--surface", "cli"); code != 2 {
		t.Errorf("chaos --surface cli exited %d; want 2", code)
	}
}
