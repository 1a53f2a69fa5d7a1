package gatetest_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// workerTest is the test file of a Go team's module: the gate on its
// start-up decision, in process, as the README's "Use it from go test"
// shows.
const workerTest = `package worker

import (
	"testing"

	"github.com/fallbackgate/fallbackgate/harness/gatetest"
)

func TestGate(t *testing.T) {
	gatetest.Run(t, gatetest.Decider("worker", Decide), gatetest.Options{})
}
`

// workerDecide is the team's decision: the contract's own, with the bug of
// plant planted when it is set.
func workerDecide(plant string) string {
	return `package worker

import "github.com/fallbackgate/fallbackgate/resolver"

// Decide is the worker's start-up decision.
func Decide(r resolver.Request, resolve resolver.ResolveFunc) (resolver.Decision, error) {
` + plant + `
	return resolver.Resolve(r, resolve)
}
`
}

// TestExternalModule is go test in a module of someone else's that
// requires this one (a replace directive points at this checkout): the
// gate on an in-process Go subject is 27 subtests that pass; with a
// rate-limit bug planted, the subtest SF-8/oneshot fails citing R7; and
// -run 'Gate/SF-8/oneshot' runs that case alone.
func TestExternalModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a module of its own")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/worker\n\ngo 1.26\n\nrequire github.com/fallbackgate/fallbackgate v0.0.0\n\nreplace github.com/fallbackgate/fallbackgate => "+root+"\n")
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write("go.sum", string(sum))
	write("worker_test.go", workerTest)
	write("decide.go", workerDecide(""))

	goCmd := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command("go", args...)
		// Offline: every module it needs is this one's, in the module cache.
		cmd.Dir, cmd.Env = dir, append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return string(out), 0
		case errors.As(err, &ee):
			return string(out), ee.ExitCode()
		}
		t.Fatalf("go %v: %v\n%s", args, err, out)
		return "", 0
	}
	pass := regexp.MustCompile(`(?m)^    --- PASS: TestGate/(SF-[1-9])/(oneshot|gateway|cli) `)
	out, code := goCmd("test", "-count=1", "-v", "./...")
	if n := len(pass.FindAllString(out, -1)); code != 0 || n != 27 {
		t.Fatalf("go test on the worker: exit %d, %d subtests passed; want 0 and 27\n%s", code, n, out)
	}

	write("decide.go", workerDecide("\tr.Profile.WalkOnRateLimit = true // the bug: fall back on a 429"))
	out, code = goCmd("test", "-count=1", "-v", "./...")
	if code != 1 || !strings.Contains(out, "--- FAIL: TestGate/SF-8/oneshot ") {
		t.Fatalf("the planted bug: exit %d; want 1 and SF-8/oneshot failing\n%s", code, out)
	}
	sf8 := out[strings.Index(out, "=== RUN   TestGate/SF-8/oneshot"):]
	sf8 = sf8[:strings.Index(sf8, "=== RUN   TestGate/SF-8/gateway")]
	for _, want := range []string{"R7: quota amplification: 2 request(s) to xai-oauth after the primary's 429; want none",
		"#1 +0s openai-codex resolve model=gpt-5.5 429 rate_limit codex_rate_limited",
		"reproduce: go test -run '^TestGate$/^SF-8$/^oneshot$' -fallbackgate.seed=1 ."} {
		if !strings.Contains(sf8, want) {
			t.Errorf("the SF-8/oneshot subtest lacks %q:\n%s", want, sf8)
		}
	}

	out, code = goCmd("test", "-count=1", "-v", "-run", "Gate/SF-8/oneshot", "./...")
	ran := regexp.MustCompile(`(?m)^    --- (PASS|FAIL): TestGate/`).FindAllString(out, -1)
	if code != 1 || len(ran) != 1 || !strings.Contains(out, "--- FAIL: TestGate/SF-8/oneshot ") {
		t.Errorf("-run 'Gate/SF-8/oneshot' ran %d case(s), exit %d; want that one, failing\n%s", len(ran), code, out)
	}
}
