package reference_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/reference"
)

// TestMainBadInvocation: the reference subject run without a
// readable case, or for an unknown surface, is bad usage (exit 2) and says
// why on stderr, as PROTOCOL.md's exit codes and the Python example have it.
func TestMainBadInvocation(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "case.json")
	if err := os.WriteFile(notJSON, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, surface, casePath, want string
	}{
		{"case unset", harness.Oneshot, "", "FALLBACKGATE_CASE is not set"},
		{"case missing", harness.CLI, filepath.Join(dir, "nope.json"), "no such file"},
		{"case not JSON", harness.Oneshot, notJSON, notJSON},
		{"unknown surface", "batch", notJSON, `unknown surface "batch"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == harness.EnvCase {
					return tt.casePath
				}
				return ""
			}
			var stdout, stderr bytes.Buffer
			code := reference.Main(context.Background(), tt.surface, getenv, strings.NewReader(""), &stdout, &stderr, nil, reference.Options{})
			if code != harness.ExitUsage {
				t.Errorf("exit %d; want %d (bad usage)", code, harness.ExitUsage)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q; want it to say %q", stderr.String(), tt.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q; want nothing", stdout.String())
			}
		})
	}
}
