package model_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// The model is the oracle and the reference subject is a subject like any
// other (issue 11, item 2): when the reference shows something wrong, the
// gate must say so, which it can only do if the model did not learn the
// reference's answer. These tests give the reference a wrong exit code for
// a rate limit and watch the gate catch it on SF-8.

// exitOneOnRateLimit is the deliberate error: a rate-limited start-up
// exits 1, so a dispatcher would never requeue the job. Every other error
// keeps the contract's code.
func exitOneOnRateLimit(err error) int {
	switch {
	case errors.Is(err, harness.ErrProviderWithoutModel):
		return harness.ExitUsage
	case resolver.IsRateLimited(err):
		return harness.ExitFailure // the bug: the contract says 75
	case err != nil:
		return harness.ExitFailure
	}
	return harness.ExitOK
}

// runSF8 runs SF-8 (rate-limited primary) in-process on surface of the
// reference subject behaving as opts say.
func runSF8(t *testing.T, name string, opts reference.Options, surface string) harness.Result {
	t.Helper()
	sc := builtin(t, "SF-8", nil)
	sub := reference.Subject(name, opts)
	t.Cleanup(func() {
		if err := sub.Close(); err != nil {
			t.Errorf("closing %s: %v", name, err)
		}
	})
	setup := gate.Setup{Subject: sub, Scenario: sc, Seed: 1, Hooks: gate.InProcess(fakes.NewManualClock(harness.Epoch))}
	res, err := gate.RunCase(context.Background(), setup, surface)
	if err != nil {
		t.Fatalf("RunCase(SF-8/%s on %s): %v", surface, name, err)
	}
	return res
}

// TestModelCatchesBrokenReference: the reference with a wrong exit code
// for a rate limit fails SF-8 on the oneshot and the cli, citing R7 and
// the exit code, while the model still expects 75; its gateway, which has
// no exit code, passes. The unbroken reference passes everywhere.
func TestModelCatchesBrokenReference(t *testing.T) {
	catalogue, err := reference.MutantByName("exit-1-on-rate-limit")
	if err != nil {
		t.Fatal(err)
	}
	broken := []struct {
		name string
		opts reference.Options
	}{
		{"hand-broken", reference.Options{ExitCode: exitOneOnRateLimit}},
		{"mutant " + catalogue.Name, catalogue.Options},
	}
	for _, b := range broken {
		for _, surface := range []string{harness.Oneshot, harness.CLI} {
			t.Run(b.name+"/"+surface, func(t *testing.T) {
				res := runSF8(t, b.name, b.opts, surface)
				if res.Status != harness.StatusFail {
					t.Fatalf("SF-8/%s on the broken reference: status %q; want %q\nviolations: %v\noutcome: %+v",
						surface, res.Status, harness.StatusFail, res.Violations, res.Outcome)
				}
				if diff := cmp.Diff([]string{"R7"}, res.Violations.Rules()); diff != "" {
					t.Errorf("SF-8/%s cited the wrong rules (-want +got):\n%s\nviolations:\n%v", surface, diff, res.Violations)
				}
				if msg := res.Violations.Error(); !strings.Contains(msg, "exited 1; want 75") {
					t.Errorf("SF-8/%s violations do not name the exit code:\n%s", surface, msg)
				}
				// The model did not follow the reference: it still expects
				// EX_TEMPFAIL, and the surface was seen exiting 1.
				if res.Expected.Exit != harness.ExitRateLimited || res.Observed.Exit != harness.ExitFailure {
					t.Errorf("SF-8/%s expected exit %d, observed %d; want 75 and 1", surface, res.Expected.Exit, res.Observed.Exit)
				}
				if res.Expected.Error != res.Observed.Error {
					t.Errorf("SF-8/%s surfaced %q; want the same error as the model %q (only the exit code is broken)", surface, res.Observed.Error, res.Expected.Error)
				}
			})
		}
		t.Run(b.name+"/gateway", func(t *testing.T) {
			if res := runSF8(t, b.name, b.opts, harness.Gateway); res.Status != harness.StatusPass {
				t.Errorf("SF-8/gateway on a reference broken only in its exit code: status %q; want %q\nviolations: %v", res.Status, harness.StatusPass, res.Violations)
			}
		})
	}

	for _, surface := range harness.Surfaces {
		t.Run("unbroken/"+surface, func(t *testing.T) {
			res := runSF8(t, "reference", reference.Options{}, surface)
			if res.Status != harness.StatusPass || len(res.Violations) != 0 {
				t.Errorf("SF-8/%s on the reference: status %q; want %q\nviolations: %v", surface, res.Status, harness.StatusPass, res.Violations)
			}
			if surface != harness.Gateway && res.Observed.Exit != harness.ExitRateLimited {
				t.Errorf("SF-8/%s on the reference exited %d; want 75", surface, res.Observed.Exit)
			}
		})
	}
}
