package cli

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/fallbackgate/fallbackgate/harness"
)

// Version is the fallbackgate version; release builds set it with
// -ldflags "-X github.com/fallbackgate/fallbackgate/cmd/fallbackgate/cli.Version=v1.2.3".
var Version = "dev"

func versionCmd(_ context.Context, s Streams, args []string) error {
	fs := newFlags("version", "version", "Prints the fallbackgate version, the Go version it was built with, and the subject protocol it speaks.", s)
	if err := parse(fs, args, s); err != nil {
		return err
	}
	goVersion := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
	}
	fmt.Fprintf(s.Stdout, "fallbackgate %s (%s), protocol %s, contract version 1\n", Version, goVersion, harness.Protocol)
	return nil
}
