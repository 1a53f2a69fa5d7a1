package cli

import (
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "62c5de3a1b2c3d4e5f60718293a4b5c6d7e8f901"},
		{Key: "vcs.time", Value: "2026-11-29T00:33:12Z"}, {Key: "vcs.modified", Value: "true"}}
	for _, tt := range []struct {
		name     string
		bi       *debug.BuildInfo
		override string
		want     string
	}{
		{"go install …@v1.2.3", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}}, "", "v1.2.3 (go1.26.8)"},
		{"a build in a checkout", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261129003312-62c5de3a1b2c+dirty"}, Settings: vcs}, "",
			"v0.0.0-20261129003312-62c5de3a1b2c+dirty (revision 62c5de3a1b2c, 2026-11-29T00:33:12Z, modified, go1.26.8)"},
		{"no VCS stamp", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, "", "devel (go1.26.8)"},
		{"set at link time", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: vcs[:2]}, "v2.0.0",
			"v2.0.0 (revision 62c5de3a1b2c, go1.26.8)"},
		{"no build info", nil, "", "devel (unknown Go)"},
	} {
		if got := buildVersion(tt.bi, tt.override); got != tt.want {
			t.Errorf("%s: buildVersion = %q; want %q", tt.name, got, tt.want)
		}
	}
}

// TestVersionFromBuildInfo builds the command and checks that version
// prints what its build info says; in a clone whose .git is a folder (go
// stamps no revision in a git worktree), that the revision is HEAD's.
func TestVersionFromBuildInfo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := filepath.Join(t.TempDir(), "fallbackgate")
	build := exec.Command("go", "build", "-buildvcs=auto", "-o", bin, "github.com/fallbackgate/fallbackgate/cmd/fallbackgate")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	want := "fallbackgate " + buildVersion(bi, "") + ", protocol fallbackgate/1, contract version "
	if !strings.HasPrefix(string(out), want) {
		t.Errorf("version printed %q; want it to start %q", out, want)
	}
	root := filepath.Join("..", "..", "..")
	if fi, err := os.Stat(filepath.Join(root, ".git")); err != nil || !fi.IsDir() {
		t.Logf("not a clone with a .git folder: the revision is not stamped, not checked")
		return
	}
	head, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("git: %v", err)
	}
	if rev := "revision " + strings.TrimSpace(string(head))[:12]; !strings.Contains(string(out), rev) {
		t.Errorf("version printed %q; want %q", out, rev)
	}
}
