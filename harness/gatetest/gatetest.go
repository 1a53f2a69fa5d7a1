package gatetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// TB is what the helpers need of a test: *testing.T has it all.
type TB interface {
	Helper()
	Name() string
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
	Context() context.Context
}

// T is what Run needs of a test: a TB that runs subtests of its own kind.
// *testing.T is a T[*testing.T]; a runner of your own (to print the cases
// somewhere else) can be one too.
type T[S any] interface {
	TB
	Skip(args ...any)
	Run(name string, f func(S)) bool
}

// Options shape a Run.
type Options struct {
	// Scenarios to run; nil means the nine of the contract, SF-1…SF-9.
	Scenarios []harness.Scenario
	// Surfaces to run; nil means oneshot, gateway and cli. A surface the
	// subject does not implement is a skipped subtest.
	Surfaces []string
	// Profile judges the subject against this profile instead of the one
	// it claims; "" keeps its claim, and a subject that claims none is
	// judged as strict.
	Profile string
	// Seed seeds every case's fakes; 0 means the -fallbackgate.seed flag,
	// else 1.
	Seed int64
}

// Run runs every scenario on every surface of sub as a subtest of t
// named "SF-8/oneshot", so that go test -run 'Gate/SF-8/oneshot' runs one
// case, and fails a subtest whose case breaks the contract with its
// violations, the ledger, the subject's stderr and the go test command
// that runs it again. After a scenario's cases, it fails t itself when
// their surfaces decided differently (parity). Cases run one at a time, in
// order: a gateway that dies fails the case that killed it, and the next
// case gets a fresh one. A surface that could not be started is reported
// once, on its first case, with its stderr.
//
// Run takes sub over: it closes it when t ends. It returns the results of
// the cases that ran.
func Run[S T[S]](t S, sub *harness.Subject, opts Options) []harness.Result {
	t.Helper()
	s, err := own(sub, opts.Profile)
	if err != nil {
		t.Errorf("gatetest: %v", err)
		return nil
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("gatetest: %s did not shut down cleanly: %v", s.Name, err)
		}
	})
	scs := opts.Scenarios
	if scs == nil {
		scs = scenarios.All()
	}
	surfaces := opts.Surfaces
	if surfaces == nil {
		surfaces = harness.Surfaces
	}
	seed := seedOf(opts.Seed)
	hooks := hooksFor(s)
	dead := map[string]string{} // surfaces that could not be started: the case that showed it
	var results []harness.Result
	for _, sc := range scs {
		var ran []harness.Result
		for _, surf := range surfaces {
			t.Run(sc.ID+"/"+surf, func(st S) {
				st.Helper()
				if _, ok := s.Surfaces[surf]; !ok {
					st.Skip(fmt.Sprintf("%s does not implement the %s surface", s.Name, surf))
					return
				}
				if first, ok := dead[surf]; ok {
					st.Errorf("the %s surface of %s could not be started; see %s", surf, s.Name, first)
					return
				}
				res, err := gate.RunCase(st.Context(), gate.Setup{Subject: s, Scenario: sc, Seed: gate.CaseSeed(seed, sc.ID, surf), RunSeed: seed, Hooks: hooks()}, surf)
				if err != nil {
					if !errors.Is(err, harness.ErrNotStarted) {
						st.Errorf("gatetest: the harness failed: %v", err)
						return
					}
					dead[surf] = sc.ID + "/" + surf
					st.Errorf("%s: the %s surface of %s could not be started: %v", sc.ID+"/"+surf, surf, s.Name, err)
					return
				}
				if res.Outcome.GatewayDied {
					renewGateway(s)
				}
				res.Repro = goTestRepro(st.Name(), seed)
				results = append(results, res)
				switch {
				case res.Status == harness.StatusNotImplemented:
					st.Skip(fmt.Sprintf("%s does not apply to the %s surface", sc.ID, surf))
				case gate.Silent(res):
					dead[surf] = res.Scenario + "/" + surf
					st.Errorf("%s", notStartedText(s, surf, res))
				case res.Failed():
					st.Errorf("%s", caseText(res))
				}
				if res.Status != harness.StatusNotImplemented && res.Outcome.Failure == "" {
					ran = append(ran, res) // parity compares the decisions of the cases that made one
				}
			})
		}
		if msg := gate.Divergence(ran); msg != "" {
			t.Errorf("parity: %s: %s", sc.ID, msg)
		}
	}
	return results
}

// own returns a copy of sub that Run may change (renew its gateway, set
// its profile): judged against profile when one is given, as strict when
// it claims none.
func own(sub *harness.Subject, profile string) (*harness.Subject, error) {
	if sub == nil {
		return nil, fmt.Errorf("no subject")
	}
	s := *sub
	s.Surfaces = maps.Clone(sub.Surfaces)
	if profile != "" {
		p, err := resolver.ProfileByName(profile)
		if err != nil {
			return nil, err
		}
		s.Profile = p
	}
	if s.Profile.Name == "" {
		s.Profile = resolver.Strict
	}
	return &s, nil
}

// hooksFor returns the hooks of each case of s: a subject whose surfaces
// all run in this process reaches its fakes without sockets, on a virtual
// clock, so that the same seed gives the same ledger; any other reaches
// them on loopback.
func hooksFor(s *harness.Subject) func() gate.Hooks {
	for _, surf := range s.Surfaces {
		if _, ok := surf.(harness.Bindable); !ok {
			return func() gate.Hooks { return gate.Hooks{} }
		}
	}
	return func() gate.Hooks { return gate.InProcess(newClock()) }
}

// renewGateway replaces the dead gateway of s with a fresh one.
func renewGateway(s *harness.Subject) {
	r, ok := s.Surfaces[harness.Gateway].(harness.Renewable)
	if !ok {
		return
	}
	if c, ok := r.(io.Closer); ok {
		_ = c.Close() // its death is the failed case's
	}
	s.Surfaces[harness.Gateway] = r.Renew()
}

// caseText is what a failing subtest prints.
func caseText(res harness.Result) string {
	var b bytes.Buffer
	if err := reports.WriteCase(&b, reports.NewJudgement(res)); err != nil {
		return fmt.Sprintf("%s: %v (rendering: %v)", res.Scenario+"/"+res.Surface, res.Violations, err)
	}
	return strings.TrimRight(b.String(), "\n")
}

// notStartedText is what the first case of a surface that could not be
// started prints.
func notStartedText(s *harness.Subject, surface string, res harness.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%s: the %s surface of %s could not be started: its process %s before speaking the protocol (no event, no request to a fake, no reply)",
		res.Scenario, surface, surface, s.Name, exitText(res))
	if lines := reports.StderrExcerpt(res.Outcome.Stderr); len(lines) > 0 {
		b.WriteString("\n  stderr:")
		for _, l := range lines {
			b.WriteString("\n    | " + l)
		}
	}
	return fakes.Redact(b.String()) // a subject's words, like every report's
}

func exitText(res harness.Result) string {
	if res.Outcome.ExitCode >= 0 {
		return fmt.Sprintf("exited with code %d", res.Outcome.ExitCode)
	}
	return "ended"
}
