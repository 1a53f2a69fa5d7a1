package cli

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Version, when set at link time, overrides the version the build info
// states: -ldflags "-X github.com/fallbackgate/fallbackgate/cmd/fallbackgate/cli.Version=v1.2.3".
// A build needs none: go install …@v1.2.3 and go build in a checkout
// record the module version and the VCS revision (see buildVersion).
var Version = ""

func versionCmd(_ context.Context, s Streams, args []string) error {
	fs := newFlags("version", "version", "Prints the fallbackgate version and VCS revision (from the build info: the module version of go install …@VERSION, the commit of a build in a checkout), the Go version it was built with, the subject protocol it speaks and the contract version it checks.", s)
	if err := parse(fs, args, s); err != nil {
		return err
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprintf(s.Stdout, "fallbackgate %s, protocol %s, contract version %s\n", buildVersion(bi, Version), harness.Protocol, resolver.ContractVersion())
	return nil
}

// buildVersion says which fallbackgate this is, from its build info:
// "v1.2.3 (go1.26.8)" for go install …@v1.2.3; "v0.0.0-…-62c5de3a1b2c
// (revision 62c5de3a1b2c, 2026-11-29T00:33:12Z, modified, go1.26.8)" for a
// build in a checkout with VCS stamping; "devel (go1.26.8)" when the build
// knows neither. override, when set, replaces the version.
func buildVersion(bi *debug.BuildInfo, override string) string {
	version, goVersion := "devel", "unknown Go"
	var details []string
	if bi != nil {
		goVersion = bi.GoVersion
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			version = v
		}
		settings := map[string]string{}
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
		if rev := settings["vcs.revision"]; rev != "" {
			details = append(details, "revision "+rev[:min(12, len(rev))])
			if t := settings["vcs.time"]; t != "" {
				details = append(details, t)
			}
			if settings["vcs.modified"] == "true" {
				details = append(details, "modified")
			}
		}
	}
	if override != "" {
		version = override
	}
	return fmt.Sprintf("%s (%s)", version, strings.Join(append(details, goVersion), ", "))
}
