package cli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden help files in testdata/help")

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, Streams{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	return out.String(), errb.String(), ExitCode(err)
}

// TestHelpGolden checks every command's --help text against its golden file,
// so a change to flags or wording is a reviewed change. Regenerate with
// go test ./cmd/fallbackgate/cli -run TestHelpGolden -update.
func TestHelpGolden(t *testing.T) {
	names := []string{"fallbackgate"}
	for _, c := range commands() {
		names = append(names, c.name)
	}
	names = append(names, "report-diff", "report-html", "report-merge")
	special := map[string][]string{ // the commands whose help is not "NAME --help"
		"fallbackgate": {"help"},
		"fakes":        {"fakes", "serve", "--help"},
		"report-diff":  {"report", "diff", "--help"},
		"report-html":  {"report", "html", "--help"},
		"report-merge": {"report", "merge", "--help"},
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			args := []string{name, "--help"}
			if a, ok := special[name]; ok {
				args = a
			}
			stdout, stderr, code := run(t, args...)
			if code != 0 {
				t.Fatalf("%v exited %d; want 0 (stderr %q)", args, code, stderr)
			}
			golden := filepath.Join("testdata", "help", name+".txt")
			if *update {
				if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v; run with -update to create it", err)
			}
			if diff := cmp.Diff(string(want), stdout); diff != "" {
				t.Errorf("%v output differs from %s (-golden +got):\n%s", args, golden, diff)
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		args    []string
		code    int
		wantErr string
	}{
		{nil, ExitUsage, "no command given"},
		{[]string{"frobnicate"}, ExitUsage, `unknown command "frobnicate"`},
		{[]string{"run", "--surface", "desktop"}, ExitUsage, `--surface "desktop": unknown surface`},
		{[]string{"run", "--scenario", "SF-42"}, ExitUsage, "unknown scenario SF-42"},
		{[]string{"run", "--seed", "abc"}, ExitUsage, `--seed "abc": want an integer`},
		{[]string{"run", "--subject", "/nonexistent/subject.yaml"}, ExitUsage, "/nonexistent/subject.yaml"},
		{[]string{"run", "--no-such-flag"}, ExitUsage, "flag provided but not defined: -no-such-flag"},
		{[]string{"run", "--profile", "lenient", "--scenario", "SF-1"}, ExitUsage, `unknown profile "lenient"`},
		{[]string{"subject", "desktop"}, ExitUsage, "want one surface"},
		{[]string{"fakes", "serve"}, ExitUsage, "--plan FILE is required"},
		{[]string{"version"}, ExitConforms, ""},
		{[]string{"list"}, ExitConforms, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, stderr, code := run(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d; want %d (stderr %q)", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.wantErr)
			}
		})
	}
}

func TestListShowsCatalogue(t *testing.T) {
	stdout, _, _ := run(t, "list")
	for _, want := range []string{"SF-1", "SF-9", "rate-limited-primary", "R7", "closed-missing", "oneshot, gateway, cli", "MX-3", "prop-59daa9d1",
		"quota-wall", "INC-login-revoked", "empty-chain-hides-fallback-model", "drops-shorthand-entries", "(R2, R3)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("list output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestBadManifestNamesKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "subject.yaml")
	os.WriteFile(path, []byte("name: x\nsurfaces:\n  gatway: [true]\n"), 0o644)
	_, stderr, code := run(t, "run", "--subject", path)
	if code != ExitUsage {
		t.Errorf("exit %d; want 2", code)
	}
	if !strings.Contains(stderr, "gatway") || !strings.Contains(stderr, path) {
		t.Errorf("error %q does not name the file and the key", stderr)
	}
}

// TestInterrupted: a command whose context is cancelled (Ctrl-C, SIGTERM)
// says it was interrupted, not "context canceled", and exits 3.
func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	err := Run(ctx, []string{"prop", "--in-process", "--checks", "1000", "--seed", "1"}, Streams{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	if code := ExitCode(err); code != ExitHarness {
		t.Errorf("exit %d; want %d", code, ExitHarness)
	}
	if !strings.Contains(errb.String(), "fallbackgate: interrupted: ") || strings.Contains(errb.String(), "context canceled") {
		t.Errorf("stderr %q; want it to say the command was interrupted", errb.String())
	}
}
