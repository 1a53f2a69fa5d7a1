package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/fallbackgate/fallbackgate/reports"
)

// incidentDir writes the named files into a fresh folder.
func incidentDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func builtinIncident(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "scenarios", "incidents", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestRunIncidents: run --incidents DIR replays every incident file in DIR
// after the scenarios against the run's subject (the Python example), a
// row each in the matrix and in results.json, counted in the gate; the
// copy that falls back on a 429 fails quota-wall, and the run exits 1.
func TestRunIncidents(t *testing.T) {
	needPython(t)
	dir := incidentDir(t, map[string]string{"b-quota-wall.yml": builtinIncident(t, "quota-wall"), "a-mine.yaml": incidentFile, "notes.txt": "not an incident"})
	out := filepath.Join(t.TempDir(), "out")
	stdout, stderr, code := run(t, "run", "--subject", goodSubject, "--scenario", "SF-1", "--surface", "oneshot", "--seed", "1", "--regressions=", "--incidents", dir, "--report-dir", out)
	if code != ExitConforms {
		t.Fatalf("exit %d; want 0\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"incidents: 2 incident file(s) from " + dir + ", replayed after the scenarios\n",
		"INC-mine mine (incident)              pass",
		"INC-quota-wall quota-wall (incident)  pass",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if got := lastLine(stdout); got != "3 passed, 0 failed" {
		t.Errorf("last line %q; want the scenario and the two incidents", got)
	}
	res, err := reports.ReadJSONFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Incidents) != 2 || res.Incidents[0].ID != "INC-mine" || res.Incidents[1].File != filepath.Join(dir, "b-quota-wall.yml") || !res.Incidents[1].OK() {
		t.Errorf("results.json incidents = %+v; want mine, then quota-wall, both passing", res.Incidents)
	}
	// The report folder holds each incident's timeline page, named after
	// its file, and the run says so.
	if want := "incident timelines written to " + out + " (incident-a-mine.html, incident-b-quota-wall.html)\n"; !strings.Contains(stdout, want) {
		t.Errorf("output lacks %q:\n%s", want, stdout)
	}
	for _, name := range []string{"incident-a-mine.html", "incident-b-quota-wall.html"} {
		page, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(page), "<svg") || !strings.Contains(string(page), `class="startup `) {
			t.Errorf("%s has no timeline picture with start-up marks", name)
		}
	}

	stdout, stderr, code = run(t, "run", "--subject", brokenSubject, "--scenario", "SF-1", "--surface", "oneshot", "--seed", "1", "--regressions=", "--incidents", dir)
	if code != ExitViolation {
		t.Fatalf("the copy that falls back on a 429: exit %d; want 1\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"INC-quota-wall quota-wall (incident)  FAIL",
		"  FAIL  resolve requests to anthropic, at most 0: 6\n",
		"  replay: fallbackgate replay " + filepath.Join(dir, "b-quota-wall.yml") + " --seed 1 --subject " + brokenSubject + "\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "incident INC-quota-wall ("+filepath.Join(dir, "b-quota-wall.yml")+"): subject ") {
		t.Errorf("the verdict does not name the incident: %s", stderr)
	}
}

// TestRunIncidentsBadInput: a bad incident file is exit 2 naming the file,
// line and field before any case runs; a file whose pre-fix side does not
// reproduce is broken: the report shows it and the run exits 3.
func TestRunIncidentsBadInput(t *testing.T) {
	bad := incidentDir(t, map[string]string{"ok.yaml": incidentFile, "bad.yaml": strings.Replace(incidentFile, "every: 30s", "every: 0s", 1)})
	stdout, stderr, code := run(t, "run", "--subject", goodSubject, "--seed", "1", "--regressions=", "--incidents", bad)
	if code != ExitUsage || !strings.Contains(stderr, filepath.Join(bad, "bad.yaml")+`:12: dispatcher.every: want a duration > 0 like 30s, got "0s"`) || stdout != "" {
		t.Errorf("a bad file: exit %d, stdout %q, stderr %q; want 2 naming the line, before anything ran", code, stdout, stderr)
	}
	dup := incidentDir(t, map[string]string{"a.yaml": incidentFile, "b.yaml": incidentFile})
	if _, stderr, code := run(t, "run", "--subject", goodSubject, "--regressions=", "--incidents", dup); code != ExitUsage || !strings.Contains(stderr, "id INC-mine is also the id of") {
		t.Errorf("two files with one id: exit %d, %q; want 2", code, stderr)
	}
	if _, stderr, code := run(t, "run", "--subject", goodSubject, "--regressions=", "--incidents", t.TempDir()); code != ExitUsage || !strings.Contains(stderr, "no incident file") {
		t.Errorf("an empty folder: exit %d, %q; want 2", code, stderr)
	}
	fifo := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(fifo, "pipe.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := run(t, "run", "--subject", goodSubject, "--regressions=", "--incidents", fifo); code != ExitUsage || !strings.Contains(stderr, "pipe.yaml: not a regular file") {
		t.Errorf("a FIFO: exit %d, %q; want 2 without blocking on it", code, stderr)
	}
	needPython(t)
	broken := incidentDir(t, map[string]string{"broken.yaml": strings.Replace(incidentFile, "exits: 1}", "exits: 0}", 1)})
	stdout, stderr, code = run(t, "run", "--subject", goodSubject, "--scenario", "SF-1", "--surface", "oneshot", "--seed", "1", "--regressions=", "--incidents", broken)
	if code != ExitHarness || !strings.Contains(stdout, "INC-mine mine (incident)  BROKEN") || !strings.Contains(stderr, filepath.Join(broken, "broken.yaml")+": the incident file is broken") {
		t.Errorf("a broken file: exit %d; want 3, the row BROKEN and the file named\n%s%s", code, stdout, stderr)
	}
	// report merge gives the exit code of the run it puts back together.
	shard := t.TempDir()
	if stdout, stderr, code := run(t, "run", "--subject", goodSubject, "--scenario", "SF-1", "--surface", "oneshot", "--seed", "1", "--regressions=", "--incidents", broken, "--shard", "1/1", "--report-dir", shard); code != ExitHarness {
		t.Fatalf("shard 1/1 with a broken file: exit %d; want 3\n%s%s", code, stdout, stderr)
	}
	stdout, stderr, code = run(t, "report", "merge", shard)
	if code != ExitHarness || !strings.Contains(stdout, "INC-mine mine (incident)  BROKEN") || !strings.Contains(stderr, filepath.Join(broken, "broken.yaml")+": the incident file is broken") {
		t.Errorf("report merge of a run with a broken file: exit %d; want 3, as the run, the row BROKEN and the file named\n%s%s", code, stdout, stderr)
	}
}
