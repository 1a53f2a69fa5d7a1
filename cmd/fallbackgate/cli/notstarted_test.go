package cli

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// crashingSubject is the Python example whose adapter dies with a
// traceback (a missing module) before it speaks the protocol.
const crashingSubject = "../../../examples/python-subject/broken/crashes-on-start/subject.yaml"

func needPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on PATH, so the Python example cannot run (CI installs it): " + err.Error())
	}
}

// TestRunCrashingAdapter: an adapter that crashes at start-up on every
// surface is reported once as "could not be started", with the last line
// of its traceback in the terminal report and in the JUnit file, and the
// run exits 3 (nothing about the contract was judged), not 1 with 27
// violations.
func TestRunCrashingAdapter(t *testing.T) {
	needPython(t)
	dir := t.TempDir()
	stdout, stderr, code := run(t, "run", "--subject", crashingSubject, "--seed", "1", "--report-dir", dir)
	if code != ExitHarness {
		t.Fatalf("exit %d; want %d\n%s%s", code, ExitHarness, stdout, stderr)
	}
	const errLine = "ModuleNotFoundError: No module named 'agent_worker_sdk'"
	if n := strings.Count(stdout, errLine); n != 1 {
		t.Errorf("the terminal report shows the traceback's last line %d times; want once:\n%s", n, stdout)
	}
	for _, want := range []string{"Could not be started", "oneshot surface (python3 ", "gateway surface (python3 ", "cli surface (python3 ",
		"exited with code 1 before speaking the protocol, on each of its 9 case(s)", "0 passed, 0 failed, 27 not started"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "R17") || strings.Contains(stdout, "protocol violation") || strings.Contains(stdout, "SCENARIO") {
		t.Errorf("the terminal report judges the cases of a subject that never started:\n%s", stdout)
	}
	if !strings.Contains(stderr, "fallbackgate: subject python-example-broken-crashes-on-start could not be started: oneshot: exited with code 1") {
		t.Errorf("stderr %q does not say why it exits 3", stderr)
	}
	junit, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name  string `xml:"name,attr"`
				Error *struct {
					Type string `xml:"type,attr"`
				} `xml:"error"`
				SystemErr string `xml:"system-err"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(junit, &doc); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if c.Error != nil && c.Error.Type == "not-started" && strings.Contains(c.SystemErr, errLine) && strings.Contains(c.SystemErr, "Traceback (most recent call last):") {
				found++
			}
		}
	}
	if found != 3 {
		t.Errorf("junit.xml has %d not-started errors whose <system-err> holds the traceback; want one per surface:\n%s", found, junit)
	}
}

// TestRunWrongScriptPath: a manifest whose script does not exist (python
// exits 2, which is also the bad-usage code) is not started, exit 3, not
// nine contract violations; a program that does not exist is too.
func TestRunWrongScriptPath(t *testing.T) {
	needPython(t)
	dir := t.TempDir()
	for name, argv := range map[string]string{"wrong-script": "[python3, adaptr.py, oneshot]", "no-program": "[./no-such-adapter, oneshot]"} {
		path := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(path, []byte("name: "+name+"\nsurfaces:\n  oneshot: "+argv+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		stdout, stderr, code := run(t, "run", "--subject", path, "--seed", "1")
		if code != ExitHarness || !strings.Contains(stderr, "could not be started") {
			t.Errorf("%s: exit %d; want 3, could not be started\n%s%s", name, code, stdout, stderr)
		}
	}
}
