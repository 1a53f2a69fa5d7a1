package gatetest_test

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/fallbackgate/fallbackgate/cmd/fallbackgate/cli"
)

// TestMain lets this test binary be the built-in reference subject, as
// `fallbackgate subject` is: a manifest whose argv is this binary with
// "subject" runs it (referenceManifest), so that the exec path is tested
// without building anything.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "subject" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := cli.Run(ctx, os.Args[1:], cli.Streams{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
		stop()
		os.Exit(cli.ExitCode(err))
	}
	os.Exit(m.Run())
}

// referenceManifest writes a manifest that runs this binary as the
// reference subject (with subject flags, e.g. --mutant NAME) on every
// surface, and returns its path.
func referenceManifest(dir string, flags ...string) string {
	var b strings.Builder
	b.WriteString("name: reference-over-exec\nprofile: strict\ncapabilities: [runtime-fallback]\nenv: {GORACE: atexit_sleep_ms=0}\nsurfaces:\n")
	for _, surf := range []string{"oneshot", "gateway", "cli"} {
		argv := append(append([]string{os.Args[0], "subject"}, flags...), surf)
		for i, a := range argv {
			argv[i] = `"` + a + `"`
		}
		b.WriteString("  " + surf + ": [" + strings.Join(argv, ", ") + "]\n")
	}
	path := filepath.Join(dir, "subject.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		panic(err)
	}
	return path
}
