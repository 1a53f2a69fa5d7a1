package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeRegressions writes saved counterexamples into a new folder under
// parent: SF-8 saved as prop-0000sf08 (a rate-limited primary) and the
// regression prop-59daa9d1, and returns the folder.
func writeRegressions(t *testing.T, dir string) string {
	t.Helper()
	sf8, err := os.ReadFile("../../../scenarios/files/SF-8.yaml")
	if err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile("../../../scenarios/regressions/prop-59daa9d1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"prop-0000sf08.yaml": strings.Replace(string(sf8), "id: SF-8", "id: prop-0000sf08", 1),
		"prop-59daa9d1.yaml": string(saved),
		"notes.txt":          "not a scenario file: left alone\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestRunRegressions: run --regressions DIR replays every saved
// counterexample in DIR with the scenarios, says so in its first lines, and
// fails on a subject that breaks one; fallbackgate-counterexamples/ is
// replayed by default when it exists, and --regressions= replays none.
func TestRunRegressions(t *testing.T) {
	good, err := filepath.Abs(goodSubject)
	if err != nil {
		t.Fatal(err)
	}
	broken, err := filepath.Abs(brokenSubject)
	if err != nil {
		t.Fatal(err)
	}
	dir := writeRegressions(t, filepath.Join(t.TempDir(), "saved"))
	base := []string{"run", "--surface", "gateway", "--seed", "1", "--scenario", "SF-1"}

	out, errs, code := run(t, append(base, "--subject", good, "--regressions", dir)...)
	lines := strings.Split(out, "\n")
	if code != ExitConforms || len(lines) < 2 || !strings.HasSuffix(lines[0], "3 scenario(s) × 1 surface(s)") ||
		lines[1] != "regressions: 2 saved counterexample(s) from "+dir+", replayed with the scenarios" {
		t.Fatalf("run --regressions: exit %d; want 0, three scenarios and the regressions named first:\n%s%s", code, out, errs)
	}
	for _, id := range []string{"prop-0000sf08 rate-limited-primary", "prop-59daa9d1 counterexample"} {
		if !strings.Contains(out, "\n"+id+" ") {
			t.Errorf("the matrix has no row %q:\n%s", id, out)
		}
	}

	out, errs, code = run(t, append(base, "--subject", broken, "--regressions", dir)...)
	if code != ExitViolation || !strings.Contains(out, "prop-0000sf08/gateway (rate-limited-primary)") || !strings.Contains(out, "--scenario-file "+filepath.Join(dir, "prop-0000sf08.yaml")) {
		t.Errorf("the subject that falls back on a 429: exit %d; want 1, with the saved SF-8 failing and its reproduce command naming the file:\n%s%s", code, out, errs)
	}

	// The default folder, in the folder run is started in.
	work := t.TempDir()
	writeRegressions(t, filepath.Join(work, "fallbackgate-counterexamples"))
	t.Chdir(work)
	out, errs, code = run(t, append(base, "--subject", good)...)
	if want := "regressions: 2 saved counterexample(s) from fallbackgate-counterexamples, replayed with the scenarios (the default folder, as it exists; --regressions DIR names another, --regressions= none)\n"; code != ExitConforms || !strings.Contains(out, want) {
		t.Errorf("run where fallbackgate-counterexamples/ exists: exit %d; want 0 and %q:\n%s%s", code, want, out, errs)
	}
	out, errs, code = run(t, append(base, "--subject", good, "--regressions=")...)
	if code != ExitConforms || strings.Contains(out, "regressions:") || !strings.Contains(out, "1 scenario(s)") {
		t.Errorf("run --regressions=: exit %d; want 0 and no regression:\n%s%s", code, out, errs)
	}
	t.Chdir(t.TempDir())
	out, errs, code = run(t, append(base, "--subject", good)...)
	if code != ExitConforms || strings.Contains(out, "regressions:") {
		t.Errorf("run without the default folder: exit %d; want 0 and no regression:\n%s%s", code, out, errs)
	}
}

// TestRunRegressionsBadInput: a folder of saved counterexamples with a
// file that does not parse, one whose expectations disagree with the
// model, and two files with one id is bad input (exit 2), naming every
// file at fault; so is a folder that does not exist. Nothing runs.
func TestRunRegressionsBadInput(t *testing.T) {
	dir := writeRegressions(t, filepath.Join(t.TempDir(), "saved"))
	sf8 := filepath.Join(dir, "prop-0000sf08.yaml")
	data, err := os.ReadFile(sf8)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"copy.yaml":      string(data),
		"colour.yaml":    strings.Replace(string(data), "name: rate-limited-primary", "name: rate-limited-primary\ncolour: red", 1),
		"disagrees.yaml": strings.Replace(strings.Replace(string(data), "id: prop-0000sf08", "id: prop-0000bad1", 1), "exit: 75", "exit: 1", 1),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, errs, code := run(t, "run", "--subject", goodSubject, "--regressions", dir)
	if code != ExitUsage {
		t.Fatalf("exit %d; want 2 (bad input)\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		filepath.Join(dir, "colour.yaml") + ":", "colour",
		filepath.Join(dir, "disagrees.yaml") + ":", "exit: the file says 1, the model says 75",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if out != "" {
		t.Errorf("bad input ran something:\n%s", out)
	}

	// The same id twice, once the files parse.
	for _, name := range []string{"colour.yaml", "disagrees.yaml"} {
		os.Remove(filepath.Join(dir, name))
	}
	_, errs, code = run(t, "run", "--subject", goodSubject, "--regressions", dir)
	if code != ExitUsage || !strings.Contains(errs, filepath.Join(dir, "prop-0000sf08.yaml")+": id: prop-0000sf08 is already the id of "+filepath.Join(dir, "copy.yaml")) {
		t.Errorf("two files with one id: exit %d; want 2 naming both files:\n%s", code, errs)
	}
	if _, errs, code := run(t, "run", "--regressions", filepath.Join(dir, "missing")); code != ExitUsage || !strings.Contains(errs, "missing") {
		t.Errorf("a folder that does not exist: exit %d; want 2:\n%s", code, errs)
	}
}
