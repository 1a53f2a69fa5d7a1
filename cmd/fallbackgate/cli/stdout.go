package cli

import (
	"flag"
	"os"
	"strings"

	"github.com/fallbackgate/fallbackgate/reports"
)

// stdoutFormat returns the report format whose file flag is "-" (e.g.
// --json -): it is written to stdout, and the terminal report moves to
// stderr, so that stdout can be piped to a program. It returns nil when
// no flag is "-"; more than one is bad usage.
func stdoutFormat(cmd string, paths map[string]*string) (*reports.Format, error) {
	var found []reports.Format
	for _, f := range reports.Formats {
		if p := paths[f.Name]; p != nil && *p == "-" {
			found = append(found, f)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return &found[0], nil
	}
	var names []string
	for _, f := range found {
		names = append(names, "--"+f.Name)
	}
	return nil, usagef("%s: %s all say -: only one report can go to stdout", cmd, strings.Join(names, " and "))
}

// githubAnnotations decides whether run writes GitHub Actions annotations:
// as --github says when it was given, else when the run is a GitHub
// Actions step (GITHUB_ACTIONS=true).
func githubAnnotations(fs *flag.FlagSet, flagValue bool) bool {
	if flagGiven(fs, "github") {
		return flagValue
	}
	return os.Getenv("GITHUB_ACTIONS") == "true"
}
