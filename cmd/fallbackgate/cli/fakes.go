package cli

import (
	"context"
	"os"

	"github.com/fallbackgate/fallbackgate/fakes"
)

func fakesCmd(ctx context.Context, s Streams, args []string) error {
	if len(args) == 0 || args[0] != "serve" {
		fs := newFlags("fakes", "fakes serve --plan FILE", "Fake providers for a subject you drive by hand. The only subcommand is serve.", s)
		if err := parse(fs, args, s); err != nil {
			return err
		}
		return usagef("fakes: want the subcommand serve (see `fallbackgate fakes serve --help`)")
	}
	fs := newFlags("fakes serve", "fakes serve --plan FILE", `
Serves fake providers on 127.0.0.1 (a free port) so that a person can point a
real agent at them by hand. FILE maps each provider to its fault plan, e.g.

  xai-oauth: "2*ok -> missing"
  openai-codex: ok
  anthropic: "429(retry_after=30s)"

It prints each provider's base URL, serves until interrupted (Ctrl-C), then
prints the ledger of every request it received.`, s)
	plan := fs.String("plan", "", "plan file (YAML: provider -> fault plan)")
	if err := parse(fs, args[1:], s); err != nil {
		return err
	}
	if *plan == "" {
		return usagef("fakes serve: --plan FILE is required")
	}
	data, err := os.ReadFile(*plan)
	if err != nil {
		return usagef("fakes serve: %v", err)
	}
	if _, err := fakes.ParsePlanFile(*plan, data); err != nil {
		return &UsageError{Err: err}
	}
	if err := fakes.Serve(ctx, *plan, data, s.Stdout); err != nil {
		return &HarnessError{Err: err}
	}
	return nil
}
