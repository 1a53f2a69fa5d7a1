package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
)

// Version names the schema of the results model; it is the "version" field
// of every results.json. A change that removes or renames a field, or
// changes a field's meaning, gets a new version; an optional field added
// (such as "mutation") does not.
const Version = "fallbackgate/results/1"

// Results is the results model of one gate run: everything the report
// formats render, and what results.json holds (see the README, "Results
// model"). It is built by New and read back by ReadJSON.
type Results struct {
	Version  string    `json:"version"`
	Subject  string    `json:"subject"`
	Profile  string    `json:"profile"`
	Seed     int64     `json:"seed"`
	Surfaces []string  `json:"surfaces"`
	Started  time.Time `json:"started"`
	// Elapsed is the run's wall-clock time.
	Elapsed time.Duration `json:"elapsed_ns"`
	// ExpectFile is the expectations file the run was judged with, if any.
	ExpectFile string `json:"expect_file,omitempty"`
	Gate       Gate   `json:"gate"`
	// Cases are the scenario × surface cases in matrix order.
	Cases []CaseResult `json:"cases"`
	// Parity lists every scenario whose surfaces decided differently.
	Parity []ParityFailure `json:"parity,omitempty"`
	// Expectations are the known failures of ExpectFile with what became
	// of each.
	Expectations []KnownFailureResult `json:"expectations,omitempty"`
	// Shutdown is set when the subject did not shut down cleanly (R17).
	Shutdown string `json:"shutdown_error,omitempty"`
	// NotStarted lists the surfaces that could not be started (their
	// cases are not in Cases), set by SetNotStarted. Optional within
	// fallbackgate/results/1.
	NotStarted []harness.NotStarted `json:"not_started,omitempty"`
	// Mutation is the mutation self-test that ran after the gate (run
	// --mutate), set by SetMutation; nil, and absent from results.json,
	// when none ran. Optional within fallbackgate/results/1 (see Mutation).
	Mutation *Mutation `json:"mutation,omitempty"`
	// Properties and Chaos are the property and chaos stages that ran
	// after the scenarios (run --prop N, run --chaos); nil, and absent from
	// results.json, when they did not run.
	Properties *Properties `json:"properties,omitempty"`
	Chaos      *Chaos      `json:"chaos,omitempty"`
	// Shard is the part of the run these results hold, for a run with
	// --shard K/N (SetShard); nil, and absent from results.json, for a
	// whole run, and for the merge of a run's shards (Merge). Optional
	// within fallbackgate/results/1.
	Shard *ShardInfo `json:"shard,omitempty"`
	// Incidents are the incident files the run replayed (run --incidents
	// DIR), set by SetIncidents; each counts as one passed or failed.
	// Optional within fallbackgate/results/1.
	Incidents []Incident `json:"incidents,omitempty"`
}

// Gate is the verdict of a run and its counts.
type Gate struct {
	// OK is true when nothing failed unexpectedly, no expectation is
	// stale and, when a mutation self-test ran, every mutant was killed:
	// the run's exit code is 0.
	OK bool `json:"ok"`
	// Passed counts the cases that conform (including stale ones).
	Passed int `json:"passed"`
	// Failed counts unexpected failures: cases, parity divergences, a
	// subject that did not shut down, and a failing property or chaos
	// stage (one each).
	Failed int `json:"failed"`
	// Known counts failures every rule of which is a known failure.
	Known int `json:"known"`
	// Stale counts expectations that no longer fail.
	Stale int `json:"stale"`
	// Skipped counts the cases of surfaces the subject does not implement.
	Skipped int `json:"skipped"`
}

// CaseResult is one scenario on one surface: the harness's judgement of
// it, and its status for the gate once the known failures of an
// expectations file are taken into account.
type CaseResult struct {
	Judgement
	Status harness.Status `json:"status"`
	// Unexpected lists the rules the case broke that no expectation lists.
	Unexpected []string `json:"unexpected_rules,omitempty"`
	// Known lists the expectations that cover the case.
	Known []KnownFailure `json:"known_failures,omitempty"`
}

// Judgement is a harness.Result as results.json holds it: the case, the
// model's and the surface's decisions, the verdict and its violations, and
// what the surface did, redacted.
type Judgement struct {
	Scenario     string `json:"scenario"`
	ScenarioName string `json:"scenario_name"`
	Surface      string `json:"surface"`
	Subject      string `json:"subject"`
	Profile      string `json:"profile"`
	Seed         int64  `json:"seed"`
	// Verdict is the harness's judgement before known failures: pass,
	// fail, or n/a (written "not implemented").
	Verdict    Verdict            `json:"verdict"`
	Violations harness.Violations `json:"violations,omitempty"`
	Handoff    bool               `json:"handoff,omitempty"`
	Expected   harness.Summary    `json:"expected"`
	Observed   harness.Summary    `json:"observed"`
	Trace      []string           `json:"trace"`
	Events     []harness.Event    `json:"events"`
	Ledger     []fakes.Call       `json:"ledger"`
	ExitCode   int                `json:"exit_code"`
	Reply      *harness.Reply     `json:"reply,omitempty"`
	Stdout     string             `json:"stdout,omitempty"`
	Stderr     string             `json:"stderr,omitempty"`
	Failure    string             `json:"failure,omitempty"`
	Repro      string             `json:"repro"`
	// Dir is the case's scratch folder, kept for reproduction by hand
	// (run --keep); empty when it was removed.
	Dir      string        `json:"dir,omitempty"`
	Duration time.Duration `json:"duration_ns"`

	// File is the scenario's file, e.g. "scenarios/files/SF-8.yaml": where
	// JUnit's file attribute and a GitHub annotation point.
	File string `json:"file,omitempty"`
}

// NewJudgement returns a harness.Result as results.json holds it.
func NewJudgement(r harness.Result) Judgement {
	o := r.Outcome
	return Judgement{Scenario: r.Scenario, ScenarioName: r.ScenarioName, Surface: r.Surface, Subject: r.Subject,
		Profile: r.Profile, Seed: r.Seed, Verdict: Verdict(r.Status), Violations: r.Violations, Handoff: r.Handoff,
		Expected: r.Expected, Observed: r.Observed, Trace: r.Trace, Events: o.Events, Ledger: r.Ledger,
		ExitCode: o.ExitCode, Reply: o.Reply, Stdout: o.Stdout, Stderr: o.Stderr, Failure: o.Failure,
		Repro: r.Repro, Dir: o.Dir, Duration: r.Duration, File: r.Source}
}

// Judged returns the harness's status of the case, before known failures.
func (j Judgement) Judged() harness.Status { return harness.Status(j.Verdict) }

// Verdict is a harness.Status as results.json writes a case's verdict:
// "pass", "fail", and "not implemented" for harness.StatusNotImplemented.
type Verdict harness.Status

// verdictNotImplemented is how results.json writes a surface the subject
// does not implement (fallbackgate/results/1).
const verdictNotImplemented = "not implemented"

// MarshalText writes the verdict.
func (v Verdict) MarshalText() ([]byte, error) {
	if harness.Status(v) == harness.StatusNotImplemented {
		return []byte(verdictNotImplemented), nil
	}
	return []byte(v), nil
}

// UnmarshalText reads a verdict.
func (v *Verdict) UnmarshalText(b []byte) error {
	*v = Verdict(b)
	if string(b) == verdictNotImplemented {
		*v = Verdict(harness.StatusNotImplemented)
	}
	return nil
}

// ID names the case as "SF-8/gateway".
func (c CaseResult) ID() string { return c.Scenario + "/" + c.Surface }

// ParityFailure is a scenario whose surfaces reached different decisions.
type ParityFailure struct {
	Scenario string         `json:"scenario"`
	Message  string         `json:"message"`
	Status   harness.Status `json:"status"`
	Known    []KnownFailure `json:"known_failures,omitempty"`
}

// New returns the results model of a run, each failure matched against
// the known failures in exp (nil for none).
func New(rep *gate.Report, exp *Expectations) *Results {
	res := &Results{
		Version: Version, Subject: rep.Subject, Profile: rep.Profile, Seed: rep.Seed,
		Surfaces: rep.Surfaces, Started: rep.Started.UTC(), Elapsed: rep.Elapsed,
	}
	// Cases in matrix order: scenarios as given, surfaces as listed.
	for _, row := range Rows(rep) {
		for _, r := range row.Cells {
			if r.Scenario != "" {
				res.Cases = append(res.Cases, CaseResult{Judgement: NewJudgement(r)})
			}
		}
	}
	for _, v := range rep.Parity {
		res.Parity = append(res.Parity, ParityFailure{Scenario: parityScenario(v), Message: v.Message})
	}
	var known []KnownFailure
	if exp != nil {
		res.ExpectFile, known = exp.File, exp.Known
	}
	res.applyKnown(known)
	return res
}

// SetShutdown records that the subject did not shut down cleanly, which
// fails the gate.
func (r *Results) SetShutdown(err error) {
	if err == nil {
		return
	}
	r.Shutdown = "R17: the subject did not shut down cleanly: " + err.Error()
	r.count()
}

// OK reports whether the gate passes: no unexpected failure, no stale
// expectation and no surviving mutant.
func (r *Results) OK() bool { return r.Gate.OK }

// count fills Gate from the statuses.
func (r *Results) count() {
	g := Gate{}
	for _, c := range r.Cases {
		switch c.Status {
		case harness.StatusPass, harness.StatusStale:
			g.Passed++
		case harness.StatusFail:
			g.Failed++
		case harness.StatusKnown:
			g.Known++
		default:
			g.Skipped++
		}
	}
	for _, p := range r.Parity {
		if p.Status == harness.StatusKnown {
			g.Known++
		} else {
			g.Failed++
		}
	}
	if r.Shutdown != "" {
		g.Failed++
	}
	g.Failed += r.stagesFailed()
	ip, ifail := r.incidentCounts()
	g.Passed, g.Failed = g.Passed+ip, g.Failed+ifail
	notStarted := len(r.NotStarted) > 0
	for _, e := range r.Expectations {
		if e.Status == ExpectationStale {
			g.Stale++
		}
	}
	g.OK = g.Failed == 0 && g.Stale == 0 && r.mutantsOK() && !notStarted
	r.Gate = g
}

// WriteJSON writes the results model as indented JSON.
func WriteJSON(w io.Writer, r *Results) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return err
	}
	_, err := w.Write(redactBytes(buf.Bytes()))
	return err
}

// ReadJSON reads a results.json written by WriteJSON. name is the file's
// name in errors. A file of another schema version is an error naming the
// version found and the one supported.
func ReadJSON(name string, data []byte) (*Results, error) {
	var probe struct {
		Version *string `json:"version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%s: not a fallbackgate results file: %v", name, err)
	}
	if probe.Version == nil {
		return nil, fmt.Errorf("%s: version: missing; want %q", name, Version)
	}
	if *probe.Version != Version {
		return nil, fmt.Errorf("%s: version: %q is not supported (supported: %q)", name, *probe.Version, Version)
	}
	var r Results
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return &r, nil
}

// ReadJSONFile reads the results.json at path.
func ReadJSONFile(path string) (*Results, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ReadJSON(path, data)
}

// parityAgreed says what a run without a parity failure shows: that every
// scenario reached the same decision on every surface, only when every
// case that ran reached a decision (bad usage counts as one); else which
// cases reached none (no started or failed event, or a crash, a timeout or
// a broken stream), so that a crash is not read as agreement.
func (r *Results) parityAgreed() string {
	var none []string
	for _, c := range r.Cases {
		if c.Status == harness.StatusNotImplemented || strings.HasPrefix(c.Expected.Error, "usage: ") {
			continue
		}
		// A crash, a timeout or a broken stream is no decision: parity
		// did not judge it.
		if c.Failure != "" || (c.Observed.Landed == nil && c.Observed.Error == "") {
			none = append(none, c.ID())
		}
	}
	if len(none) == 0 {
		return "every scenario reached the same decision on every surface"
	}
	return fmt.Sprintf("the surfaces that reached a decision agree; %d case(s) reached none: %s", len(none), strings.Join(clipList(none, 6), ", "))
}

// clipList keeps the first n items of list and says how many more there
// were.
func clipList(list []string, n int) []string {
	if len(list) <= n {
		return list
	}
	return append(slices.Clone(list[:n]), fmt.Sprintf("… (%d more)", len(list)-n))
}
