package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestProgramName(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin", "fallbackgate")
	other := filepath.Join(dir, "other", "fallbackgate")
	for _, p := range []string{bin, other} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	onPath := func(p string) func(string) (string, error) {
		return func(string) (string, error) {
			if p == "" {
				return "", errors.New("not found")
			}
			return p, nil
		}
	}
	for _, tt := range []struct {
		name, arg0, exe string
		path            string // what the PATH finds as fallbackgate; "" none
		want            string
	}{
		{"not on the PATH", "./bin/fallbackgate", bin, "", "./bin/fallbackgate"},
		{"another one on the PATH", "./bin/fallbackgate", bin, other, "./bin/fallbackgate"},
		{"this one on the PATH", bin, bin, bin, "fallbackgate"},
		{"found by the shell", "fallbackgate", bin, bin, "fallbackgate"},
		{"a test binary", "/tmp/x/cli.test", "/tmp/x/cli.test", "", "fallbackgate"},
		{"go run", "/tmp/go-build123/b001/exe/fallbackgate", "/tmp/go-build123/b001/exe/fallbackgate", "", "fallbackgate"},
		{"a path with a space", "/opt/my tools/fallbackgate", bin, "", "'/opt/my tools/fallbackgate'"},
	} {
		if got := programName(tt.arg0, tt.exe, onPath(tt.path)); got != tt.want {
			t.Errorf("%s: programName(%q) = %q; want %q", tt.name, tt.arg0, got, tt.want)
		}
	}
}

// TestReproUsesInvokedPath builds the command and runs it as make build
// leaves it, ./bin/fallbackgate, which is not on the PATH: the reproduce
// command of a failure, and the replay command of a failing incident, must
// name that path, and run as printed it must reproduce the failure. Found
// on the PATH, it is named fallbackgate.
func TestReproUsesInvokedPath(t *testing.T) {
	needPython(t)
	if testing.Short() {
		t.Skip("builds the command")
	}
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "bin", "fallbackgate"), "github.com/fallbackgate/fallbackgate/cmd/fallbackgate")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	subject, err := filepath.Abs(brokenSubject)
	if err != nil {
		t.Fatal(err)
	}
	runIn := func(path string, argv ...string) string {
		t.Helper()
		cmd := exec.Command(argv[0], argv[1:]...)
		if argv[0] == "fallbackgate" { // as a shell finds it on the PATH given
			cmd.Path, cmd.Err = filepath.Join(dir, "bin", "fallbackgate"), nil
		}
		cmd.Dir, cmd.Env = dir, append(os.Environ(), "PATH="+path)
		out, err := cmd.Output()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != ExitViolation {
			t.Fatalf("%v: %v; want exit 1\n%s", argv, err, out)
		}
		return string(out)
	}
	path := os.Getenv("PATH")
	incidents := incidentDir(t, map[string]string{"quota-wall.yaml": builtinIncident(t, "quota-wall")})
	out := runIn(path, "./bin/fallbackgate", "run", "--subject", subject, "--scenario", "SF-8", "--surface", "oneshot", "--seed", "1", "--incidents", incidents)
	want := "reproduce: ./bin/fallbackgate run --subject " + subject + " --scenario SF-8 --surface oneshot --seed 1"
	if !strings.Contains(out, want+"\n") {
		t.Fatalf("output lacks %q:\n%s", want, out)
	}
	if replay := "replay: ./bin/fallbackgate replay " + filepath.Join(incidents, "quota-wall.yaml") + " --seed 1 --subject " + subject + "\n"; !strings.Contains(out, replay) {
		t.Errorf("output lacks %q:\n%s", replay, out)
	}
	again := runIn(path, strings.Fields(strings.TrimPrefix(want, "reproduce: "))...)
	if !strings.Contains(again, "FAIL R7") {
		t.Errorf("the reproduce command does not reproduce the failure:\n%s", again)
	}
	out = runIn(filepath.Join(dir, "bin")+string(os.PathListSeparator)+path, "fallbackgate", "run", "--subject", subject, "--scenario", "SF-8", "--surface", "oneshot", "--seed", "1")
	if !strings.Contains(out, "reproduce: fallbackgate run --subject") {
		t.Errorf("on the PATH, the reproduce command should name fallbackgate:\n%s", out)
	}
}
