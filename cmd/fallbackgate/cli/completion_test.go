package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// completeBash sources the bash script and completes words, the last
// being the one under the cursor, as bash does on Tab.
func completeBash(t *testing.T, script string, words ...string) []string {
	t.Helper()
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = "'" + w + "'"
	}
	prog := "source " + script + "\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\nCOMP_CWORD=" + strconv.Itoa(len(words)-1) + "\n_fallbackgate\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
	out, err := exec.Command("bash", "--norc", "--noprofile", "-c", prog).CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}

// TestCompletion: each shell's script names every command and every flag
// of run, and parses; bash (and fish, when it is installed) completes
// commands, flags and flag values as a person would see them.
func TestCompletion(t *testing.T) {
	dir := t.TempDir()
	scripts := map[string]string{}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		stdout, stderr, code := run(t, "completion", shell)
		if code != ExitConforms {
			t.Fatalf("completion %s: exit %d: %s", shell, code, stderr)
		}
		for _, c := range commands() {
			if !strings.Contains(stdout, c.name) {
				t.Errorf("the %s script lacks the command %s", shell, c.name)
			}
		}
		for _, f := range []string{"surface", "subject", "scenario", "profile", "report-dir", "json", "github", "write-expect", "expect", "seed"} {
			if !strings.Contains(stdout, "--"+f) && !strings.Contains(stdout, "-l "+f+" ") {
				t.Errorf("the %s script lacks run's flag --%s", shell, f)
			}
		}
		path := filepath.Join(dir, "fallbackgate."+shell)
		if err := os.WriteFile(path, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		scripts[shell] = path
		if _, err := exec.LookPath(shell); err != nil {
			t.Logf("%s is not installed: its script is not parsed", shell)
			continue
		}
		if out, err := exec.Command(shell, "-n", path).CombinedOutput(); err != nil {
			t.Errorf("%s -n: the script does not parse: %v\n%s", shell, err, out)
		}
	}
	if _, _, code := run(t, "completion", "tcsh"); code != ExitUsage {
		t.Errorf("completion tcsh: exit %d; want bad usage", code)
	}

	if _, err := exec.LookPath("bash"); err == nil {
		for _, tt := range []struct {
			words []string
			want  string
		}{
			{[]string{"fallbackgate", "ru"}, "run"},
			{[]string{"fallbackgate", "comp"}, "completion"},
			{[]string{"fallbackgate", "run", "--sur"}, "--surface"},
			{[]string{"fallbackgate", "run", "--surface", "gat"}, "gateway"},
			{[]string{"fallbackgate", "run", "--profile", "up"}, "upstream"},
			{[]string{"fallbackgate", "run", "--scenario", "SF-8"}, "SF-8"},
			{[]string{"fallbackgate", "mutate", "--subject-path", "in"}, "in-process"},
			{[]string{"fallbackgate", "subject", "g"}, "gateway"},
			{[]string{"fallbackgate", "completion", "f"}, "fish"},
		} {
			if got := completeBash(t, scripts["bash"], tt.words...); len(got) != 1 || got[0] != tt.want {
				t.Errorf("bash completes %q to %q; want [%s]", tt.words, got, tt.want)
			}
		}
	}
	if _, err := exec.LookPath("fish"); err == nil {
		out, err := exec.Command("fish", "--no-config", "-c", "source "+scripts["fish"]+"; complete -C 'fallbackgate run --surface '").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "gateway\t") || !strings.Contains(string(out), "oneshot\t") {
			t.Errorf("fish completes --surface to %q (%v)", out, err)
		}
	}
}
