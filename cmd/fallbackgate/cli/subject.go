package cli

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
)

func subjectCmd(ctx context.Context, s Streams, args []string) error {
	fs := newFlags("subject", "subject [flags] oneshot|gateway|cli", `
Runs the built-in reference subject on one surface, speaking PROTOCOL.md:
oneshot and cli read the case file named by FALLBACKGATE_CASE; the gateway
reads requests from stdin and appends events to FALLBACKGATE_EVENTS. The
gate runs it when no --subject is given; it is also the worked example for
writing an adapter of your own.

Exit codes: 0 success, 1 start-up failure, 75 when the surfaced error is
rate-limited (the primary's or the last entry's), 2 bad usage.`, s)
	profile := fs.String("profile", "strict", "contract profile to behave as: "+profileNames())
	noRuntime := fs.Bool("no-runtime-fallback", false, "do not move along the remaining chain when the landed runtime fails")
	mutant := fs.String("mutant", "", "behave as the deliberately broken `MUTANT` (see fallbackgate mutate): "+strings.Join(reference.MutantNames(), ", "))
	if err := parse(fs, args, s); err != nil {
		return err
	}
	if fs.NArg() != 1 || !slices.Contains(harness.Surfaces, fs.Arg(0)) {
		return usagef("subject: want one surface (%s), got %q", strings.Join(harness.Surfaces, ", "), fs.Args())
	}
	p, err := resolver.ProfileByName(*profile)
	if err != nil {
		return usagef("subject: --profile: %v", err)
	}
	opts := reference.Options{}
	if *mutant != "" {
		m, err := reference.MutantByName(*mutant)
		if err != nil {
			return usagef("subject: --mutant: %v", err)
		}
		opts = m.Options
	}
	opts.Profile, opts.NoRuntimeFallback = p, *noRuntime
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	code := reference.Main(ctx, fs.Arg(0), os.Getenv, s.Stdin, s.Stdout, s.Stderr, client, opts)
	if code == 0 {
		return nil
	}
	return &ExitError{Code: code}
}

func profileNames() string {
	var names []string
	for _, p := range resolver.Profiles() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}
