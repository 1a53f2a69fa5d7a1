package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
)

// Version names the schema of the results model; it is the "version" field
// of every results.json. A change that removes or renames a field, or
// changes a field's meaning, gets a new version; an optional field added
// (such as "mutation") does not.
const Version = "fallbackgate/results/1"

// Status is what a case means for the gate once the known failures of an
// expectations file are taken into account.
type Status string

// The statuses of a case or a parity check.
const (
	// StatusPass: the case conforms and no expectation says otherwise.
	StatusPass Status = "pass"
	// StatusFail: the case broke a rule that no expectation lists. It fails
	// the gate.
	StatusFail Status = "fail"
	// StatusKnown: the case failed, and every rule it broke is a known
	// failure. It does not fail the gate.
	StatusKnown Status = "known-failure"
	// StatusStale: the case conforms, but an expectation says it fails. The
	// expectation is out of date, and that fails the gate until it is
	// removed.
	StatusStale Status = "stale"
	// StatusNotImplemented: the subject has no such surface.
	StatusNotImplemented Status = "n/a"
)

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
	Cases []Case `json:"cases"`
	// Parity lists every scenario whose surfaces decided differently.
	Parity []ParityFailure `json:"parity,omitempty"`
	// Expectations are the known failures of ExpectFile with what became
	// of each.
	Expectations []ExpectationResult `json:"expectations,omitempty"`
	// Shutdown is set when the subject did not shut down cleanly (R17).
	Shutdown string `json:"shutdown_error,omitempty"`
	// Mutation is the mutation self-test that ran after the gate (run
	// --mutate), set by SetMutation; nil, and absent from results.json,
	// when none ran. Optional within fallbackgate/results/1 (see Mutation).
	Mutation *Mutation `json:"mutation,omitempty"`
	// Properties and Chaos are the property and chaos stages that ran
	// after the scenarios (run --prop N, run --chaos); nil, and absent from
	// results.json, when they did not run.
	Properties *Properties `json:"properties,omitempty"`
	Chaos      *Chaos      `json:"chaos,omitempty"`
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

// Case is one scenario on one surface: the harness's judgement of it,
// and its status for the gate.
type Case struct {
	harness.Result
	Status Status `json:"status"`
	// Unexpected lists the rules the case broke that no expectation lists.
	Unexpected []string `json:"unexpected_rules,omitempty"`
	// Known lists the expectations that cover the case.
	Known []Expectation `json:"known_failures,omitempty"`
}

// ID names the case as "SF-8/gateway".
func (c Case) ID() string { return c.Scenario + "/" + c.Surface }

// ParityFailure is a scenario whose surfaces reached different decisions.
type ParityFailure struct {
	Scenario string        `json:"scenario"`
	Message  string        `json:"message"`
	Status   Status        `json:"status"`
	Known    []Expectation `json:"known_failures,omitempty"`
}

// New returns the results model of a run, each failure matched against
// the known failures in exp (nil for none).
func New(rep *harness.Report, exp *Expectations) *Results {
	res := &Results{
		Version: Version, Subject: rep.Subject, Profile: rep.Profile, Seed: rep.Seed,
		Surfaces: rep.Surfaces, Started: rep.Started.UTC(), Elapsed: rep.Elapsed,
	}
	// Cases in matrix order: scenarios as given, surfaces as listed.
	for _, row := range Rows(rep) {
		for _, r := range row.Cells {
			if r.Scenario != "" {
				res.Cases = append(res.Cases, Case{Result: r})
			}
		}
	}
	for _, v := range rep.Parity {
		res.Parity = append(res.Parity, ParityFailure{Scenario: parityScenario(v), Message: v.Message})
	}
	var known []Expectation
	if exp != nil {
		res.ExpectFile, known = exp.File, exp.Known
	}
	res.judge(known)
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
		case StatusPass, StatusStale:
			g.Passed++
		case StatusFail:
			g.Failed++
		case StatusKnown:
			g.Known++
		default:
			g.Skipped++
		}
	}
	for _, p := range r.Parity {
		if p.Status == StatusKnown {
			g.Known++
		} else {
			g.Failed++
		}
	}
	if r.Shutdown != "" {
		g.Failed++
	}
	g.Failed += r.stagesFailed()
	for _, e := range r.Expectations {
		if e.Status == ExpectationStale {
			g.Stale++
		}
	}
	g.OK = g.Failed == 0 && g.Stale == 0 && r.mutantsOK()
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
