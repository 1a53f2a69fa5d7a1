package reference

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/fallbackgate/fallbackgate/harness"
)

// Main is the reference subject as a process runs it, for
// `fallbackgate subject oneshot|gateway|cli`: it reads the case named by
// FALLBACKGATE_CASE (oneshot, cli), appends events to the case's events file
// (the gateway: to FALLBACKGATE_EVENTS), runs the surface and returns the
// process's exit code. getenv is os.Getenv in a real process. Being run
// without a readable case (FALLBACKGATE_CASE unset, the file missing or not
// JSON) or for an unknown surface is bad usage: exit 2 with the reason on
// stderr, as the Python example does. An events file that cannot be opened
// exits 1.
func Main(ctx context.Context, surface string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer, client *http.Client, opts Options) int {
	env := Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Client: client, Options: opts}
	exit := func(code int, err error) int {
		fmt.Fprintf(orDiscard(stderr), "fallbackgate subject %s: %v\n", surface, err)
		return code
	}
	fail := func(err error) int { return exit(harness.ExitFailure, err) }
	usage := func(err error) int { return exit(harness.ExitUsage, err) }
	switch surface {
	case harness.Gateway:
		if path := getenv(harness.EnvEvents); path != "" {
			f, err := openEvents(path)
			if err != nil {
				return fail(err)
			}
			defer f.Close()
			env.Events = f
		}
		if err := RunGateway(ctx, env); err != nil {
			return fail(err)
		}
		return harness.ExitOK
	case harness.Oneshot, harness.CLI:
	default:
		fmt.Fprintf(orDiscard(stderr), "fallbackgate subject: unknown surface %q (want oneshot, gateway or cli)\n", surface)
		return harness.ExitUsage
	}
	path := getenv(harness.EnvCase)
	if path == "" {
		return usage(fmt.Errorf("%s is not set", harness.EnvCase))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return usage(err)
	}
	var c harness.Case
	if err := json.Unmarshal(data, &c); err != nil {
		return usage(fmt.Errorf("%s: %v", path, err))
	}
	if c.Events != "" {
		f, err := openEvents(c.Events)
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		env.Events = f
	}
	if surface == harness.CLI {
		return RunCLI(ctx, c, env)
	}
	return RunOneshot(ctx, c, env)
}

func openEvents(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
}
