package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPropAndChaosTakeExpect: prop and chaos take run's expectations file
// (--expect), and refuse a bad one as bad usage naming the file; prop
// --scenario and run --scenario take a scenario file's own ID (issue 12,
// item 9).
func TestPropAndChaosTakeExpect(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "expect.yaml")
	if err := os.WriteFile(good, []byte("known_failures:\n  - {scenario: SF-8, surface: gateway, rule: R7, reason: issue 42}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("known_failures:\n  - {scenario: SF-8, rule: R7}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{
		{"prop", "--in-process", "--checks", "50", "--seed", "3"},
		{"chaos", "--in-process", "--turns", "3", "--seed", "3", "--history", filepath.Join(dir, "h.jsonl"), "--save", dir},
	} {
		stdout, stderr, code := run(t, append(cmd, "--expect", good)...)
		if code != ExitConforms {
			t.Errorf("%s --expect %s: exit %d; want 0\n%s%s", cmd[0], good, code, stdout, stderr)
		}
		_, stderr, code = run(t, append(cmd, "--expect", bad)...)
		if code != ExitUsage || !strings.Contains(stderr, "bad.yaml") {
			t.Errorf("%s --expect %s: exit %d, stderr %q; want 2 naming the file", cmd[0], bad, code, stderr)
		}
	}
	stdout, stderr, code := run(t, "prop", "--in-process", "--checks", "50", "--seed", "3", "--scenario", "MX-3,prop-59daa9d1")
	if code != ExitConforms || !strings.Contains(stdout, "52 cases") {
		t.Errorf("prop --scenario MX-3,prop-59daa9d1: exit %d; want 0 and 52 cases (2 named, 50 drawn)\n%s%s", code, stdout, stderr)
	}
	stdout, stderr, code = run(t, "run", "--subject", goodSubject, "--surface", "oneshot", "--seed", "1", "--scenario", "MX-3,prop-59daa9d1")
	if code != ExitConforms || !strings.Contains(stdout, "MX-3") || !strings.Contains(stdout, "prop-59daa9d1") {
		t.Errorf("run --scenario MX-3,prop-59daa9d1: exit %d\n%s%s", code, stdout, stderr)
	}
}
