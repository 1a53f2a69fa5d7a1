package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/fallbackgate/fallbackgate/fakes"
)

// Streams are the standard streams a command reads and writes.
type Streams struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// The exit codes of DESIGN.md.
const (
	ExitConforms  = 0
	ExitViolation = 1
	ExitUsage     = 2
	ExitHarness   = 3
)

// UsageError is bad usage or a bad input file: exit 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// usagef returns a UsageError.
func usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ViolationError says the subject broke the contract: exit 1. Its message is
// the summary line, the details were printed already.
type ViolationError struct{ Summary string }

func (e *ViolationError) Error() string { return e.Summary }

// HarnessError says the harness itself failed: exit 3.
type HarnessError struct{ Err error }

func (e *HarnessError) Error() string { return "harness failure: " + e.Err.Error() }
func (e *HarnessError) Unwrap() error { return e.Err }

// InterruptedError is a command stopped by a signal before it finished.
// Its subject processes were killed and its scratch folders removed on the
// way out; nothing was judged, so it exits 3 like a harness failure.
type InterruptedError struct{}

func (*InterruptedError) Error() string {
	return "interrupted: stopped before it finished; its subject processes were killed, nothing was judged"
}

// ExitError carries an exit code chosen by a command (the reference subject
// exits 75 on a rate limit) without a message of its own.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit %d", e.Code) }

// ExitCode maps an error returned by Run to the process's exit code.
func ExitCode(err error) int {
	var (
		ue *UsageError
		ve *ViolationError
		ee *ExitError
	)
	switch {
	case err == nil:
		return ExitConforms
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &ue), errors.Is(err, flag.ErrHelp):
		return ExitUsage
	case errors.As(err, &ve):
		return ExitViolation
	}
	return ExitHarness
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	// run parses args with its own flag set and does the work.
	run func(ctx context.Context, s Streams, args []string) error
}

func commands() []command {
	return []command{
		{"run", "run the conformance gate: scenarios × surfaces against a subject", runCmd},
		{"list", "list the scenarios, profiles and surfaces", listCmd},
		{"report", "compare two runs' results.json (diff), or render them again (html)", reportCmd},
		{"subject", "run the built-in reference subject (speaks PROTOCOL.md)", subjectCmd},
		{"replay", "replay an incident (v6.6) against the pre-fix start-up and the contract", replayCmd},
		{"mutate", "prove the gate has teeth: run it against every deliberately broken mutant", mutateCmd},
		{"prop", "property-test a subject: random cases against the model, shrunk and saved on failure", propCmd},
		{"chaos", "drive concurrent start-ups while a seeded schedule breaks the fleet; write a history", chaosCmd},
		{"check", "re-check a saved chaos history offline", checkCmd},
		{"fakes", "serve fake providers on loopback for a subject you drive by hand", fakesCmd},
		{"version", "print the version and the protocol it speaks", versionCmd},
		{"completion", "print a shell completion script (bash, zsh or fish)", completionCmd},
	}
}

// Run runs the fallbackgate command with args (without the program name).
// Errors are printed to s.Stderr, except ExitError, whose command has
// already said what it had to.
func Run(ctx context.Context, args []string, s Streams) error {
	err := dispatch(ctx, args, s)
	sweep(s.Stderr)
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		// Ctrl-C, SIGTERM or SIGHUP: say so, not "context canceled". The exit code
		// stays 3: nothing was judged.
		err = &InterruptedError{}
	}
	var ee *ExitError
	switch {
	case err == nil, errors.As(err, &ee), errors.Is(err, flag.ErrHelp):
	default:
		// The last line of a failed run may quote a subject: redact it.
		fmt.Fprintf(s.Stderr, "fallbackgate: %s\n", fakes.Redact(err.Error()))
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func dispatch(ctx context.Context, args []string, s Streams) error {
	if len(args) == 0 {
		printUsage(s.Stderr)
		return usagef("no command given")
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			return dispatch(ctx, []string{args[1], "--help"}, s)
		}
		printUsage(s.Stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, s, args[1:])
		}
	}
	printUsage(s.Stderr)
	return usagef("unknown command %q", name)
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, "fallbackgate checks LLM agent workers against the startup fallback contract.\n\nUsage:\n  fallbackgate <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun `fallbackgate <command> --help` for a command's flags.\n")
	fmt.Fprint(w, "Exit codes: 0 conforms, 1 contract violation(s), 2 bad usage or input file, 3 harness failure.\n")
}

// newFlags returns a flag set for a subcommand that prints its usage, with
// summary and synopsis, to s.Stdout on --help.
func newFlags(name, synopsis, about string, s Streams) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(s.Stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: fallbackgate %s\n\n%s\n", synopsis, strings.TrimSpace(about))
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprint(w, "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses args; --help prints the usage to stdout and returns
// flag.ErrHelp; a bad flag is a UsageError.
func parse(fs *flag.FlagSet, args []string, s Streams) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(s.Stdout)
			fs.Usage()
			return flag.ErrHelp
		}
		if a == "--" {
			break
		}
	}
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return usagef("%s: %v (see `fallbackgate %s --help`)", fs.Name(), err, fs.Name())
	}
	return nil
}

// parseAll parses args as parse does, with flags before, between and
// after the arguments (report merge shards/* --report-dir DIR), and
// returns the arguments.
func parseAll(fs *flag.FlagSet, args []string, s Streams) ([]string, error) {
	var rest []string
	for {
		if err := parse(fs, args, s); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// flagGiven reports whether the flag name was set on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
