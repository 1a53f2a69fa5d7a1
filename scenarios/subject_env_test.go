package scenarios

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestSuiteOnSubject points the Ginkgo suite at a subject through
// FALLBACKGATE_SUBJECT (in a go test of its own): the Python example
// passes its rule:R7 specs, and only those run; the copy that falls back
// on a 429 fails SF-8 on the oneshot, citing R7.
func TestSuiteOnSubject(t *testing.T) {
	if os.Getenv(EnvSubject) != "" || testing.Short() {
		t.Skip("runs the suite in a go test of its own")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on PATH, so the Python example cannot run (CI installs it): " + err.Error())
	}
	suite := func(subject, filter string) (string, int) {
		t.Helper()
		cmd := exec.Command("go", "test", "-v", "-count=1", "-run", "^TestScenarios$", ".", "-args", "-ginkgo.label-filter="+filter, "-ginkgo.no-color")
		cmd.Env = append(os.Environ(), EnvSubject+"="+subject)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return string(out), 0
		case errors.As(err, &ee):
			return string(out), ee.ExitCode()
		}
		t.Fatalf("go test: %v\n%s", err, out)
		return "", 0
	}
	out, code := suite("examples/python-subject/subject.yaml", "rule:R7")
	if code != 0 || !strings.Contains(out, "Ran 3 of ") {
		t.Errorf("the Python example, rule:R7: exit %d; want 0 and the 3 SF-8 specs of its grid\n%s", code, out)
	}
	out, code = suite("examples/python-subject/broken/falls-back-on-429/subject.yaml", "scenario:SF-8 && surface:oneshot")
	if code == 0 || !strings.Contains(out, "R7: quota amplification") || !strings.Contains(out, "Ran 1 of ") {
		t.Errorf("the copy that falls back on a 429: exit %d; want a failure of SF-8 on oneshot citing R7\n%s", code, out)
	}
}
