package exec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/google/go-cmp/cmp"
)

func TestLoadManifest(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "adapter.py"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "subject.yaml")
	writeManifestFile(t, path, `
name: my-agent
profile: upstream
timeout: 1500ms
capabilities: [runtime-fallback]
surfaces:
  oneshot: [python3, adapter.py, oneshot]
  gateway: [./bin/gw, --config=conf/x.yaml, ../shared/lib.py, https://example.com/a]
  cli:     [bin/cli, openai/gpt-5.5]
env: {PYTHONUNBUFFERED: 1}
`)
	m, err := LoadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	want := &Manifest{
		Name: "my-agent", Profile: "upstream", Timeout: 1500 * time.Millisecond,
		Capabilities: []string{"runtime-fallback"},
		Surfaces: map[string][]string{
			harness.Oneshot: {"python3", filepath.Join(dir, "adapter.py"), "oneshot"},
			harness.Gateway: {filepath.Join(dir, "bin/gw"), "--config=conf/x.yaml", filepath.Join(dir, "../shared/lib.py"), "https://example.com/a"},
			harness.CLI:     {filepath.Join(dir, "bin/cli"), "openai/gpt-5.5"},
		},
		Env:  map[string]string{"PYTHONUNBUFFERED": "1"},
		Dir:  dir,
		Path: path,
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("LoadManifest(%s) (-want +got):\n%s", path, diff)
	}
	if m.CaseTimeout() != 1500*time.Millisecond {
		t.Errorf("CaseTimeout = %v; want 1.5s", m.CaseTimeout())
	}
}

func TestLoadManifestDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "subject.yaml")
	writeManifestFile(t, path, "surfaces: {oneshot: [true]}\n")
	m, err := LoadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "subject" || m.Profile != "" || m.CaseTimeout() != harness.DefaultTimeout || m.Implements(harness.Gateway) || !m.Implements(harness.Oneshot) {
		t.Errorf("defaults: name %q profile %q timeout %v gateway %v oneshot %v", m.Name, m.Profile, m.CaseTimeout(), m.Implements(harness.Gateway), m.Implements(harness.Oneshot))
	}
}

func TestLoadManifestRejects(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"unknown surface", "name: x\nsurfaces:\n  oneshot: [a]\n  gatway: [b]\n",
			"subject.yaml:4: surfaces.gatway: unknown surface (known: oneshot, gateway, cli)"},
		{"unknown key", "surfaces: {oneshot: [a]}\ntimout: 3s\n",
			"subject.yaml:2: timout: unknown key (known: protocol, name, profile, timeout, capabilities, surfaces, env, pass_env)"},
		{"missing surfaces", "name: x\n",
			"subject.yaml: surfaces: missing (the argv of at least one of oneshot, gateway, cli)"},
		{"empty surfaces", "surfaces: {}\n", "subject.yaml:1: surfaces: empty"},
		{"empty argv", "surfaces:\n  cli: []\n", "subject.yaml:2: surfaces.cli: empty argv"},
		{"argv not a list", "surfaces:\n  cli: run.sh\n", `subject.yaml:2: surfaces.cli: want a list of strings, got "run.sh"`},
		{"empty program", "surfaces:\n  cli: ['', x]\n", "subject.yaml:2: surfaces.cli[0]: empty program name"},
		{"bare number timeout", "timeout: 10\nsurfaces: {cli: [a]}\n", `subject.yaml:1: timeout: "10" is not a duration (e.g. 10s, 500ms)`},
		{"negative timeout", "timeout: -1s\nsurfaces: {cli: [a]}\n", `subject.yaml:1: timeout: "-1s" must be positive`},
		{"unknown profile", "profile: lenient\nsurfaces: {cli: [a]}\n", `subject.yaml:1: profile: unknown profile "lenient"`},
		{"unknown protocol", "protocol: fallbackgate/9\nsurfaces: {cli: [a]}\n", `subject.yaml:1: protocol: protocol "fallbackgate/9" is not supported (supported: fallbackgate/1)`},
		{"env not a mapping", "surfaces: {cli: [a]}\nenv: [A=1]\n", "subject.yaml:2: env: want a mapping of variable to value, got a list"},
		{"env sets the harness's variables", "surfaces: {cli: [a]}\nenv: {FALLBACKGATE_CASE: x}\n", "subject.yaml:2: env.FALLBACKGATE_CASE: the FALLBACKGATE_ variables are set by the harness"},
		{"duplicate key", "surfaces: {cli: [a]}\nsurfaces: {cli: [b]}\n", "subject.yaml:2: surfaces: defined twice"},
		{"not a mapping", "- a\n", "subject.yaml: a manifest is a mapping"},
		{"not YAML", "surfaces: [\n", "subject.yaml: not valid YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "subject.yaml")
			writeManifestFile(t, path, tc.yaml)
			_, err := LoadManifest(path)
			if err == nil {
				t.Fatalf("LoadManifest(%q) = nil error; want %q", tc.yaml, tc.want)
			}
			got := strings.ReplaceAll(err.Error(), path, "subject.yaml")
			if !strings.Contains(got, tc.want) {
				t.Errorf("LoadManifest(%q) error:\n  %s\nwant it to contain:\n  %s", tc.yaml, got, tc.want)
			}
		})
	}
}

func TestLoadManifestListsEveryProblem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "subject.yaml")
	writeManifestFile(t, path, "timeout: soon\nsurfaces: {gatway: [a], cli: []}\n")
	_, err := LoadManifest(path)
	if err == nil || strings.Count(err.Error(), "\n") != 2 {
		t.Errorf("LoadManifest error = %v; want three problems, one per line", err)
	}
}

// TestExecManifestFromFile runs the sh subject of testdata/exec through
// LoadManifest: relative argv, env and the case file end to end.
func TestExecManifestFromFile(t *testing.T) {
	t.Parallel()
	m, err := LoadManifest(filepath.Join("testdata", "exec", "sh-subject", "subject.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := openExec(t, m, harness.Oneshot)
	out, err := s.Start(context.Background(), execCase("SF-1/oneshot"))
	if err != nil {
		t.Fatal(err)
	}
	if out.Failure != "" || out.ExitCode != 0 || out.Stdout != "hi --greeting=hello/world" || len(out.Events) != 1 {
		t.Errorf("Start = exit %d, failure %q, stdout %q, events %+v, stderr %q", out.ExitCode, out.Failure, out.Stdout, out.Events, out.Stderr)
	}
}

func writeManifestFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
