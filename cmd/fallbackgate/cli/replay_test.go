package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReplayV66(t *testing.T) {
	stdout, stderr, code := run(t, "replay", "v6.6", "--seed", "1")
	if code != ExitConforms {
		t.Fatalf("replay v6.6 exited %d; want 0\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"== pre-fix: start-up ignores the chain (mutant ignores-chain) ==",
		"verdict (ok): incident reproduced: 1 of 1 assertions held\n  ok    every worker started at or after t=1m50s exits non-zero: 12 of 12\n",
		"== contract: the reference subject ==",
		"verdict (ok): the contract holds: 4 of 4 assertions held\n",
		"  ok    every worker started at or after t=1m50s lands on openai-codex/gpt-5.5 with remaining [xai-oauth/grok-4.3]: 12 of 12\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("replay output lacks %q:\n%s", want, stdout)
		}
	}
	if second, _, _ := run(t, "replay", "--seed", "1", "v6.6"); second != stdout {
		t.Errorf("the same seed printed different bytes (flags before and after the incident)")
	}
}

// TestReplayHTML: replay --html FILE writes the page with the timeline
// picture, the same bytes for the same seed, and says where; a --html that
// cannot be written is bad usage before anything runs.
func TestReplayHTML(t *testing.T) {
	dir := t.TempDir()
	var pages []string
	for i := range 2 {
		path := filepath.Join(dir, "sub", fmt.Sprintf("v66-%d.html", i))
		stdout, stderr, code := run(t, "replay", "v6.6", "--seed", "1", "--html", path)
		if code != ExitConforms {
			t.Fatalf("replay --html exited %d; want 0\n%s%s", code, stdout, stderr)
		}
		if want := "timeline written to " + path + "\n"; !strings.HasSuffix(stdout, want) {
			t.Errorf("output does not end %q:\n%s", want, stdout)
		}
		page, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, string(page))
	}
	if pages[0] != pages[1] {
		t.Errorf("the same seed wrote different pages")
	}
	// v6.6 with seed 1: 16 workers a side, 12 of them after the vanish.
	if n := strings.Count(pages[0], `class="startup `); n != 32 {
		t.Errorf("%d start-up marks; want 32 (16 workers on each side)", n)
	}
	if n := strings.Count(pages[0], `class="startup failed"`); n != 12 {
		t.Errorf("%d failed marks; want the pre-fix side's 12", n)
	}
	// Every built-in incident and a user's file: two replays from one seed
	// write the same page, picture included.
	for _, name := range []string{"quota-wall", "login-revoked", "legacy-fallback-model", writeIncident(t, incidentFile)} {
		var pages [2][]byte
		for i := range pages {
			path := filepath.Join(dir, fmt.Sprintf("page-%d.html", i))
			if stdout, stderr, code := run(t, "replay", name, "--seed", "7", "--html", path); code != ExitConforms {
				t.Fatalf("replay %s --html exited %d; want 0\n%s%s", name, code, stdout, stderr)
			}
			var err error
			if pages[i], err = os.ReadFile(path); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(pages[0], pages[1]) || !bytes.Contains(pages[0], []byte(`class="startup `)) {
			t.Errorf("replay %s --seed 7: two runs wrote different pages, or one without start-up marks", name)
		}
	}
	stdout, stderr, code := run(t, "replay", "v6.6", "--seed", "1", "--html", dir)
	if code != ExitUsage || !strings.Contains(stderr, "replay: --html "+dir+": is a folder") || stdout != "" {
		t.Errorf("--html a folder: exit %d, stdout %q, stderr %q; want 2 naming it before the replay", code, stdout, stderr)
	}
}

// incidentFile is a user's incident file: a login that expires at t=1m.
const incidentFile = `id: INC-mine
name: mine
story: Our xAI token expired at lunch and the workers crashed.
config:
  model: {provider: xai-oauth, default: grok-4.3}
  fallback_providers: [openai-codex/gpt-5.5]
faults:
  xai-oauth: ok until 1m -> expired
  openai-codex: ok
dispatcher:
  workers: 4
  every: 30s
pre_fix: ignores-chain
reproduced:
  - every_worker: {after: 1m, exits: 1}
holds:
  - every_worker: {after: 1m, lands_on: openai-codex/gpt-5.5, remaining: []}
  - no_crashes: true
`

func writeIncident(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mine.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReplayFile: replay reads an incident file of the user's, prints the
// same bytes for the same seed, on the oneshot surface and the gateway,
// and a bad file is exit 2 naming the file, line and field before
// anything runs.
func TestReplayFile(t *testing.T) {
	path := writeIncident(t, incidentFile)
	for _, surface := range []string{"oneshot", "gateway"} {
		stdout, stderr, code := run(t, "replay", path, "--seed", "3", "--surface", surface)
		if code != ExitConforms {
			t.Fatalf("replay %s on %s exited %d; want 0\n%s%s", path, surface, code, stdout, stderr)
		}
		for _, want := range []string{
			"fallbackgate replay mine: INC-mine, seed 3\nOur xAI token expired at lunch and the workers crashed.\n",
			"  ok    every worker started at or after t=1m0s exits 1: 2 of 2\n",
			"  ok    every worker started at or after t=1m0s lands on openai-codex/gpt-5.5 with remaining []: 2 of 2\n",
		} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s: replay output lacks %q:\n%s", surface, want, stdout)
			}
		}
		if surface == "gateway" && !strings.Contains(stdout, "contract: the reference subject, on its gateway") {
			t.Errorf("the gateway replay does not say so:\n%s", stdout)
		}
		if again, _, _ := run(t, "replay", path, "--seed", "3", "--surface", surface); again != stdout {
			t.Errorf("%s: the same seed printed different bytes", surface)
		}
	}
	// A file whose contract side cannot hold: exit 1.
	bad := writeIncident(t, strings.Replace(incidentFile, "  - no_crashes: true\n", "  - alert: {before: 1m}\n", 1))
	if stdout, _, code := run(t, "replay", bad, "--seed", "3"); code != ExitViolation ||
		!strings.Contains(stdout, "  FAIL  the heartbeat raises an alert by t=1m0s: none raised\n") {
		t.Errorf("a holds list the reference cannot meet: exit %d; want 1 and the failed line\n%s", code, stdout)
	}
	// A file whose pre-fix side does not reproduce: exit 3.
	broken := writeIncident(t, strings.Replace(incidentFile, "exits: 1}", "exits: 0}", 1))
	if _, stderr, code := run(t, "replay", broken, "--seed", "3"); code != ExitHarness || !strings.Contains(stderr, "did not reproduce the incident") {
		t.Errorf("a reproduced list the pre-fix side cannot meet: exit %d; want 3\n%s", code, stderr)
	}
}

func TestReplayUsage(t *testing.T) {
	bad := writeIncident(t, strings.Replace(incidentFile, "workers: 4", "workers: 0", 1))
	unknown := writeIncident(t, strings.Replace(incidentFile, "pre_fix: ignores-chain", "pre_fix: ignores-all", 1))
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"replay"}, "name an incident (legacy-fallback-model, login-revoked, quota-wall, v6.6) or an incident file"},
		{[]string{"replay", "v9.9"}, `unknown incident "v9.9" (known: legacy-fallback-model, login-revoked, quota-wall, v6.6)`},
		{[]string{"replay", "v6.6", "extra"}, `unexpected argument "extra"`},
		{[]string{"replay", "v6.6", "--subject", "/nonexistent/subject.yaml"}, "/nonexistent/subject.yaml"},
		{[]string{"replay", "v6.6", "--surface", "cli"}, `--surface "cli": want oneshot or gateway`},
		{[]string{"replay", "nothing-here.yaml"}, "nothing-here.yaml: no such file"},
		{[]string{"replay", bad}, bad + `:11: dispatcher.workers: want a whole number >= 1, got "0"`},
		{[]string{"replay", unknown}, unknown + `:13: pre_fix: unknown mutant "ignores-all" (known: ignores-chain,`},
	} {
		_, stderr, code := run(t, tt.args...)
		if code != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}
