package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/fallbackgate/fallbackgate/reports"
)

// reportCmd works on results.json files written by `run` (and by prop
// and chaos with report flags): it never runs anything.
func reportCmd(ctx context.Context, s Streams, args []string) error {
	if len(args) == 0 {
		return usagef("report: want a subcommand: diff OLD.json NEW.json, html [-o FILE] RESULTS.json..., or merge SHARD...")
	}
	switch args[0] {
	case "diff":
		return reportDiffCmd(s, args[1:])
	case "html":
		return reportHTMLCmd(s, args[1:])
	case "merge":
		return reportMergeCmd(s, args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprint(s.Stdout, reportUsage)
		return nil
	}
	return usagef("report: unknown subcommand %q (want diff, html or merge)", args[0])
}

const reportUsage = `Usage: fallbackgate report diff OLD.json NEW.json
       fallbackgate report html [-o FILE] RESULTS.json...
       fallbackgate report merge [--report-dir DIR] [--json FILE] ... SHARD...

Reads results.json files written by "fallbackgate run" (and by prop and
chaos with --report-dir or --json; schema ` + reports.Version + `) and never
runs anything.

diff  lists the regressions (a case that passed now fails, or breaks a new
      rule), each with the command that reproduces it, and the fixes between
      two runs. Exit 1 when there is a regression, 0 otherwise.
html  renders one HTML matrix of several runs (one per subject), e.g. to
      compare implementations side by side.
merge puts the results.json of the shards of one run (--shard K/N) back
      together as the whole run's report, in every format, with its
      verdict and exit code (see report merge --help).
`

func reportDiffCmd(s Streams, args []string) error {
	fs := newFlags("report diff", "report diff OLD.json NEW.json", `
Lists the regressions between two results.json files (a case that passed
now fails, or breaks a new rule), each with the command that reproduces
it, and the fixes. Exit 1 when there is a regression, 0 otherwise.`, s)
	if err := parse(fs, args, s); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("report diff: want two files, OLD.json NEW.json; got %d argument(s)", fs.NArg())
	}
	old, err := reports.ReadJSONFile(fs.Arg(0))
	if err != nil {
		return &UsageError{Err: err}
	}
	new, err := reports.ReadJSONFile(fs.Arg(1))
	if err != nil {
		return &UsageError{Err: err}
	}
	ch := reports.Diff(old, new)
	if err := reports.WriteDiff(s.Stdout, ch); err != nil {
		return &HarnessError{Err: err}
	}
	if len(ch.Regressions) > 0 {
		return &ViolationError{Summary: fmt.Sprintf("%d regression(s) from %s to %s", len(ch.Regressions), fs.Arg(0), fs.Arg(1))}
	}
	return nil
}

func reportHTMLCmd(s Streams, args []string) error {
	fs := newFlags("report html", "report html [-o FILE] RESULTS.json...", "Renders one HTML matrix of several runs.", s)
	out := fs.String("o", "report.html", "write the HTML report to `FILE`")
	if err := parse(fs, args, s); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("report html: want at least one results.json")
	}
	var runs []*reports.Results
	for _, name := range fs.Args() {
		r, err := reports.ReadJSONFile(name)
		if err != nil {
			return &UsageError{Err: err}
		}
		runs = append(runs, r)
	}
	var b strings.Builder
	if err := reports.WriteHTML(&b, runs...); err != nil {
		return &HarnessError{Err: err}
	}
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		return &HarnessError{Err: err}
	}
	fmt.Fprintf(s.Stdout, "html report of %d run(s) written to %s\n", len(runs), *out)
	return nil
}
