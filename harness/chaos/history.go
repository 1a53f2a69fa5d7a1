package chaos

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/model"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// A chaos history is JSON lines, every time an offset from the run's start:
// one "run" line, then for each tick the "fleet" changes of the schedule
// and one "startup" line per start-up with every provider call it made,
// and last a "shutdown" line when the in-process gateway did not shut down
// cleanly. It holds no secret. CheckHistory re-checks a saved history
// offline and reports the problems the run reported.

// The kinds of history line.
const (
	HistoryRun     = "run"
	HistoryFleet   = "fleet"
	HistoryStartup = "startup"
	// HistoryShutdown records that the gateway did not shut down cleanly
	// (R17), with Error.
	HistoryShutdown = "shutdown"
	// HistoryInterrupted ends the history of a run that was interrupted:
	// the history is incomplete, and the start-ups cut short are not in it.
	HistoryInterrupted = "interrupted"
)

// HistoryRecord is one line of a history.
type HistoryRecord struct {
	Kind string `json:"kind"`
	// At is the offset from the run's start (virtual time in-process).
	At time.Duration `json:"at_ns"`

	// run
	Run *RunInfo `json:"run,omitempty"`

	// fleet: the schedule changed a provider's plan.
	Provider string `json:"provider,omitempty"`
	Plan     string `json:"plan,omitempty"`
	Note     string `json:"note,omitempty"`

	// startup
	Startup *StartupRecord `json:"startup,omitempty"`

	// shutdown
	Error string `json:"error,omitempty"`
}

// RunInfo is the head of a history.
type RunInfo struct {
	Subject  string `json:"subject"`
	Profile  string `json:"profile"`
	Surface  string `json:"surface"`
	Sessions int    `json:"sessions"`
	Turns    int    `json:"turns"`
	Seed     int64  `json:"seed"`
	// InProcess is set when the surface ran in this process on virtual
	// time: the history is then byte-identical for the same seed.
	InProcess bool `json:"in_process"`
	// RequestTimeout is the model's bound on each request (hangs).
	RequestTimeout time.Duration `json:"request_timeout_ns"`
	// Shard is the shard of the run the history holds ("2/4", run with
	// --shard): its start-ups only, and every fleet change. "" for a whole
	// run.
	Shard string `json:"shard,omitempty"`
}

// StartupRecord is one start-up of a chaos run: the case it was given
// (the fleet's plans at that moment) and its judgement, Result: what the
// surface did, every provider call it made (At an offset from the run's
// start), the model's expectation and the verdict. Nothing in it is
// secret: outputs are redacted, and R16 is judged before it is written.
type StartupRecord struct {
	ID      string
	Session int
	Turn    int
	// Config, Pin and Faults are the case, as in a scenario file.
	Config harness.CaseConfig
	Pin    harness.Args
	Faults map[string]string
	Result harness.Result
}

// startupLine is a StartupRecord as a history line holds it.
type startupLine struct {
	ID         string             `json:"id"`
	Session    int                `json:"session"`
	Turn       int                `json:"turn"`
	Config     harness.CaseConfig `json:"config"`
	Pin        harness.Args       `json:"pin"`
	Faults     map[string]string  `json:"faults"`
	ExitCode   int                `json:"exit_code"`
	Stdout     string             `json:"stdout,omitempty"`
	Stderr     string             `json:"stderr,omitempty"`
	Events     []harness.Event    `json:"events"`
	Reply      *harness.Reply     `json:"reply,omitempty"`
	Failure    string             `json:"failure,omitempty"`
	Calls      []fakes.Call       `json:"calls"`
	Expected   harness.Summary    `json:"expected"`
	Verdict    harness.Status     `json:"verdict"`
	Violations harness.Violations `json:"violations,omitempty"`
}

// MarshalJSON writes the record as a history line.
func (r StartupRecord) MarshalJSON() ([]byte, error) {
	o := r.Result.Outcome
	calls := r.Result.Ledger
	if calls == nil {
		calls = []fakes.Call{}
	}
	return json.Marshal(startupLine{ID: r.ID, Session: r.Session, Turn: r.Turn, Config: r.Config, Pin: r.Pin, Faults: r.Faults,
		ExitCode: o.ExitCode, Stdout: o.Stdout, Stderr: o.Stderr, Events: o.Events, Reply: o.Reply, Failure: o.Failure,
		Calls: calls, Expected: r.Result.Expected, Verdict: r.Result.Status, Violations: r.Result.Violations})
}

// UnmarshalJSON reads a history line, strictly: a field it does not know
// is an error.
func (r *StartupRecord) UnmarshalJSON(b []byte) error {
	var l startupLine
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return err
	}
	*r = StartupRecord{ID: l.ID, Session: l.Session, Turn: l.Turn, Config: l.Config, Pin: l.Pin, Faults: l.Faults,
		Result: harness.Result{Status: l.Verdict, Violations: l.Violations, Expected: l.Expected, Ledger: l.Calls,
			Outcome: harness.Outcome{ExitCode: l.ExitCode, Stdout: l.Stdout, Stderr: l.Stderr, Events: l.Events, Reply: l.Reply, Failure: l.Failure}}}
	return nil
}

// outcome rebuilds the surface's outcome.
func (r *StartupRecord) outcome(surface string) harness.Outcome {
	o := r.Result.Outcome
	o.Surface = surface
	return o
}

// Scenario returns the record's case as a scenario.
func (r *StartupRecord) Scenario() harness.Scenario {
	return harness.Scenario{ID: "chaos-" + strings.ReplaceAll(r.ID, "/", "-"), Name: "chaos start-up", Config: r.Config, Pin: r.Pin,
		Faults: r.Faults, Prompt: harness.DefaultPrompt, Source: "history " + r.ID}
}

// startupInvariants checks what needs no model: no quota amplification
// after a primary 429 (unless the profile walks on a rate limit), no
// request but to the pinned provider when pinned (unless the profile walks
// when pinned), at most 1+len(chain) resolves, exactly one fallback event
// per fallback and none otherwise, an answer from the gateway, and no
// secret in any output.
func startupInvariants(r *StartupRecord, surface string, profile resolver.Profile) harness.Violations {
	var vs harness.Violations
	add := func(rule, format string, args ...any) {
		vs = append(vs, harness.Violation{Rule: rule, Message: fmt.Sprintf(format, args...)})
	}
	var resolves []fakes.Call
	for _, c := range r.Result.Ledger {
		if c.Endpoint == fakes.EndpointResolve {
			resolves = append(resolves, c)
		}
	}
	req, err := model.Request(r.Config, r.Pin, profile)
	if err == nil && len(resolves) > 0 {
		first := resolves[0]
		others := 0
		for _, c := range r.Result.Ledger[1:] {
			if c.Provider != first.Provider {
				others++
			}
		}
		if first.Served == fakes.ServedRateLimit && !profile.WalkOnRateLimit && others > 0 {
			add("R7", "quota amplification: %d request(s) to other providers after %s's 429", others, first.Provider)
		}
		if req.Pinned && !profile.WalkWhenPinned && others > 0 {
			add("R6", "pinned to %s, but %d request(s) went to other providers", req.Primary.Provider, others)
		}
		if bound := 1 + len(req.Chain); len(resolves) > bound {
			add("R9", "%d resolves for a chain of %d (at most %d)", len(resolves), len(req.Chain), bound)
		}
	}
	fellBack := false
	for _, ev := range r.Result.Outcome.Events {
		if ev.Event == harness.EventStarted && ev.LandedAt != nil && *ev.LandedAt >= 0 {
			fellBack = true
		}
	}
	nfb := len(harness.EventsNamed(r.Result.Outcome.Events, harness.EventFallback))
	switch {
	case fellBack && nfb != 1:
		add("R15", "landed on a chain entry with %d fallback events; want exactly 1", nfb)
	case !fellBack && nfb > 0:
		add("R15", "%d fallback event(s) for a start-up that did not fall back", nfb)
	}
	if surface == harness.Gateway && (r.Result.Outcome.Reply == nil || strings.Contains(r.Result.Outcome.Failure, "exited") || strings.Contains(r.Result.Outcome.Failure, "gateway")) {
		add("R17", "the gateway did not answer: %s", firstLine(r.Result.Outcome.Failure))
	}
	for _, l := range harness.Leaks(r.outcome(surface), nil) {
		add("R16", "%s", l)
	}
	return vs
}

// withInvariants adds to vs, the judgement of a start-up against the
// model, each invariant of the start-up that vs does not already cite: a
// gateway that did not answer is one R17, whichever found it. A chaos run
// and the offline check of its history merge through here, so that they
// report the same problems.
func withInvariants(vs harness.Violations, r *StartupRecord, surface string, profile resolver.Profile) harness.Violations {
	for _, v := range startupInvariants(r, surface, profile) {
		if v.Rule == "R17" && slices.Contains(vs.Rules(), "R17") || slices.Contains(vs, v) {
			continue
		}
		vs = append(vs, v)
	}
	return vs
}

// HistoryReport is what CheckHistory found.
type HistoryReport struct {
	Run      RunInfo
	Startups int
	Failed   int
	// Faults counts the provider calls that met a fault, by outcome.
	Faults map[string]int
	// Problems lists every violation in history order.
	Problems []Problem
	// Interrupted is set when the history ends with an "interrupted" line:
	// the start-ups it holds were checked, the rest never ran, and a run
	// that met no fault is not called vacuous.
	Interrupted bool
}

// OK reports whether the history shows no violation and at least one
// injected fault.
func (r *HistoryReport) OK() bool { return len(r.Problems) == 0 }

// CheckHistory re-checks a saved chaos history offline: for every start-up
// it re-derives the model's expectation from the recorded case (the
// fleet's plans at that moment) and judges the recorded outcome and calls
// with Check, then checks the model-free invariants. A history without
// any injected fault fails as vacuous, unless it was interrupted. The error
// is for a history that cannot be read or that lies about itself (a line
// that does not parse, an unknown surface or profile, an impossible
// status, a start-up recorded twice, more than one run line, a line after
// "interrupted"): a *HistoryError naming the line and the field.
func CheckHistory(ctx context.Context, r io.Reader) (*HistoryReport, error) {
	rep := &HistoryReport{Faults: map[string]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 64<<20)
	var (
		profile resolver.Profile
		haveRun bool
		seen    = map[string]int{}
	)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if rep.Interrupted {
			return rep, &HistoryError{Line: n, Problem: "a line after the \"interrupted\" line, which ends a history"}
		}
		var rec HistoryRecord
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			field, problem := jsonProblem(err)
			return rep, &HistoryError{Line: n, Field: field, Problem: problem}
		}
		switch rec.Kind {
		case HistoryRun:
			if haveRun {
				return rep, &HistoryError{Line: n, Field: "kind", Problem: "a second run line (a history holds one run)"}
			}
			if rec.Run == nil {
				return rep, &HistoryError{Line: n, Field: "run", Problem: "missing"}
			}
			if err := checkRunInfo(*rec.Run); err != nil {
				err.Line = n
				return rep, err
			}
			rep.Run, haveRun = *rec.Run, true
			profile, _ = resolver.ProfileByName(rec.Run.Profile)
		case HistoryFleet:
		case HistoryStartup:
			if !haveRun {
				return rep, &HistoryError{Line: n, Field: "kind", Problem: "a start-up before the run line"}
			}
			if rec.Startup == nil {
				return rep, &HistoryError{Line: n, Field: "startup", Problem: "missing"}
			}
			if err := checkStartupRecord(rec.Startup, rep.Run); err != nil {
				err.Line = n
				return rep, err
			}
			if first, dup := seen[rec.Startup.ID]; dup {
				return rep, &HistoryError{Line: n, Field: "startup.id", Problem: fmt.Sprintf("start-up %s is already recorded on line %d", rec.Startup.ID, first)}
			}
			seen[rec.Startup.ID] = n
			rep.Startups++
			vs, err := recheckStartup(ctx, rec.Startup, rep.Run, profile)
			if err != nil {
				return rep, &HistoryError{Line: n, Field: "startup", Problem: fmt.Sprintf("%s: %v", rec.Startup.ID, err)}
			}
			countFaults(rep.Faults, rec.Startup.Result.Ledger)
			if len(vs) > 0 {
				rep.Failed++
				for _, v := range vs {
					rep.Problems = append(rep.Problems, Problem{Startup: rec.Startup.ID, Violation: v})
				}
			}
		case HistoryShutdown:
			rep.Problems = append(rep.Problems, shutdownProblem(rec.Error))
		case HistoryInterrupted:
			rep.Interrupted = true
		default:
			return rep, &HistoryError{Line: n, Field: "kind", Problem: fmt.Sprintf("unknown kind %q (known: run, fleet, startup, shutdown, interrupted)", rec.Kind)}
		}
	}
	if err := sc.Err(); err != nil {
		return rep, err
	}
	if !haveRun {
		return rep, &HistoryError{Problem: "no run line"}
	}
	if len(rep.Faults) == 0 && !rep.Interrupted && rep.Run.shard().Whole() {
		rep.Problems = append(rep.Problems, VacuousProblem)
	}
	return rep, nil
}

// HistoryError is a history that lies about itself: bad input, not a
// violation of the subject.
type HistoryError struct {
	// Line is the line of the history (0: the history as a whole).
	Line int
	// Field is the field at fault, e.g. "startup.exit_code"; "" when the
	// line as a whole is.
	Field   string
	Problem string
}

func (e *HistoryError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// checkRunInfo checks the run line.
func checkRunInfo(ri RunInfo) *HistoryError {
	switch {
	case ri.Surface != harness.Gateway && ri.Surface != harness.Oneshot:
		return &HistoryError{Field: "run.surface", Problem: fmt.Sprintf("%q is not a surface chaos runs on (known: gateway, oneshot)", ri.Surface)}
	case ri.Sessions < 1 || ri.Turns < 1:
		return &HistoryError{Field: "run.sessions", Problem: fmt.Sprintf("%d sessions × %d turns: want at least 1 of each", ri.Sessions, ri.Turns)}
	case ri.RequestTimeout < 0:
		return &HistoryError{Field: "run.request_timeout_ns", Problem: "negative"}
	}
	if _, err := resolver.ProfileByName(ri.Profile); err != nil {
		return &HistoryError{Field: "run.profile", Problem: err.Error()}
	}
	if ri.Shard != "" {
		if _, err := harness.ParseShard("shard", ri.Shard); err != nil {
			return &HistoryError{Field: "run.shard", Problem: strings.TrimPrefix(err.Error(), "shard ")}
		}
	}
	return nil
}

// checkStartupRecord checks what a start-up line claims is possible.
func checkStartupRecord(r *StartupRecord, run RunInfo) *HistoryError {
	o := r.Result.Outcome
	switch {
	case r.ID == "":
		return &HistoryError{Field: "startup.id", Problem: "missing"}
	case r.Session < 0 || r.Session >= run.Sessions:
		return &HistoryError{Field: "startup.session", Problem: fmt.Sprintf("%d is not a session of a run of %d", r.Session, run.Sessions)}
	case r.Turn < 0 || r.Turn >= run.Turns:
		return &HistoryError{Field: "startup.turn", Problem: fmt.Sprintf("%d is not a turn of a run of %d", r.Turn, run.Turns)}
	case !run.shard().Has(r.Turn*run.Sessions + r.Session):
		return &HistoryError{Field: "startup.id", Problem: fmt.Sprintf("start-up %s is not one of shard %s", r.ID, run.Shard)}
	case o.ExitCode < -1 || o.ExitCode > 255:
		return &HistoryError{Field: "startup.exit_code", Problem: fmt.Sprintf("%d is not an exit code (want -1 to 255)", o.ExitCode)}
	case !slices.Contains([]harness.Status{harness.StatusPass, harness.StatusFail}, r.Result.Status):
		return &HistoryError{Field: "startup.verdict", Problem: fmt.Sprintf("%q is not a verdict (want pass or fail)", r.Result.Status)}
	}
	for i, c := range r.Result.Ledger {
		if c.Status != 0 && (c.Status < 100 || c.Status > 599) {
			return &HistoryError{Field: fmt.Sprintf("startup.calls[%d].status", i), Problem: fmt.Sprintf("%d is not an HTTP status", c.Status)}
		}
	}
	if _, err := r.Config.Resolved(); err != nil {
		return &HistoryError{Field: "startup.config", Problem: strings.ReplaceAll(err.Error(), "\n", "; ")}
	}
	return nil
}

// jsonProblem says what is wrong with a line a JSON decoder rejected, in
// the words of the file: the field and the problem, no Go type names.
func jsonProblem(err error) (field, problem string) {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return te.Field, fmt.Sprintf("want %s, got a JSON %s", jsonKind(te.Type.Kind().String()), te.Value)
	case errors.As(err, &se):
		return "", "not a JSON object: " + strings.TrimPrefix(se.Error(), "json: ")
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if f, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return strings.Trim(f, `"`), "unknown field"
	}
	return "", msg
}

func jsonKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	case kind == "slice", kind == "array":
		return "a list"
	}
	return "an object"
}

// recheckStartup judges one recorded start-up again: the model's
// expectation against the recorded observation, then the invariants.
func recheckStartup(ctx context.Context, r *StartupRecord, run RunInfo, profile resolver.Profile) (harness.Violations, error) {
	popts := model.Options{RequestTimeout: run.RequestTimeout, CutHangs: run.InProcess}
	want, err := model.Predict(ctx, r.Scenario(), profile, run.Seed, popts)
	if err != nil {
		return nil, err
	}
	vs := harness.AsViolations(model.Check(want, harness.Observation{Outcome: r.outcome(run.Surface), Calls: r.Result.Ledger}))
	for _, v := range r.Result.Violations {
		// Outputs are recorded redacted, so a leak is carried over from
		// the run's own verdict rather than found again.
		if v.Rule == "R16" && !slices.Contains(vs, v) {
			vs = append(vs, v)
		}
	}
	return withInvariants(vs, r, run.Surface, profile), nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// shard is the shard the run line names; the zero Shard for a whole run
// (or a shard checkRunInfo has refused).
func (ri RunInfo) shard() harness.Shard {
	s, _ := harness.ParseShard("shard", ri.Shard)
	return s
}
