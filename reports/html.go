package reports

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// WriteHTML writes a self-contained HTML report of one or more runs (one
// per subject): no external asset, no network, one inline style sheet and
// one small inline script. It shows the scenario × surface × subject
// matrix, the property and chaos stages and the mutation self-test of each
// run that had them (a failing stage open, with its counterexample or
// problems and the commands that reproduce them); each cell
// links to its case, which opens with expected against observed, the
// ledger as a timeline, the events, the decision trace, the violations and
// the reproduce command. Without JavaScript every case is a
// <details> element that opens by hand.
func WriteHTML(w io.Writer, runs ...*Results) error {
	if len(runs) == 0 {
		return fmt.Errorf("reports: WriteHTML: no results")
	}
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, htmlPage(runs)); err != nil {
		return err
	}
	_, err := w.Write(redactBytes(buf.Bytes()))
	return err
}

// The view the template renders.
type (
	page struct {
		Title      string
		OK         bool
		Verdict    string
		Counts     string
		Version    string
		Runs       []pageRun
		Rows       []pageRow
		Cases      []pageCase
		Parity     []pageNote
		Stale      []pageNote
		NotRun     []pageNote
		Shutdown   []string
		NotStarted []pageNotStarted
		Properties []pageProperties
		Chaos      []pageChaos
		Mutation   []pageMutation
		Incidents  []pageIncident
		// StagesOnly is set when no run holds a scenario (prop or chaos
		// results): there is no matrix to show.
		StagesOnly bool
	}
	// pageProperties is the property stage of a run; Failures are its
	// shrunk counterexamples, when it failed.
	pageProperties struct {
		Subject, Title, Summary, Classes, Repro, Duration string
		OK                                                bool
		Failures                                          []pageFailure
		Coverage                                          *pageCoverage
	}
	// pageFailure is one shrunk counterexample of a property stage: What
	// names the failure classes it stands for when the stage has several.
	pageFailure struct {
		What, Rules, Scenario, Saved string
		Results                      []pageStageResult
	}
	// pageStageResult is one failing surface of a property counterexample.
	pageStageResult struct {
		Surface, Rules, Failure, Stdout, Stderr, Repro string
		StderrHeading                                  string
		Violations                                     harness.Violations
		Timeline                                       []pageCall
		Events                                         []string
	}
	// pageChaos is the chaos stage of a run.
	pageChaos struct {
		Subject, Title, Summary, Faults, Type, History, Counterexample, Repro, Duration string
		OK                                                                              bool
		Problems                                                                        []pageProblem
		Coverage                                                                        *pageCoverage
	}
	pageProblem struct{ Rule, Message, Startups string }
	// pageIncident is one incident file a run replayed; Checks explain a
	// failing one.
	pageIncident struct {
		ID, Name, File, Surface, Subject, PreFix, Status, Summary, Repro string
		OK, Reproduced, Holds                                            bool
		Checks                                                           []IncidentCheck
	}
	pageMutation struct {
		Subject, Path, Stages, Score string
		OK                           bool
		Mutants                      []MutantFate
	}
	pageRun struct {
		Subject, Profile, Started, Elapsed, Counts, ExpectFile string
		Seed                                                   int64
		Surfaces                                               []string
		OK                                                     bool
	}
	pageRow struct {
		Scenario, Name string
		Cells          []pageCell
	}
	pageCell struct {
		Anchor, Label, Status, Title, Subject, Surface string
	}
	pageCase struct {
		Anchor, Label, Status, ID, Scenario, Name, Surface, Subject, Profile string
		Seed                                                                 int64
		Open                                                                 bool
		Expected, Observed                                                   harness.Summary
		ExpectedExit, ObservedExit                                           int
		Violations                                                           harness.Violations
		Unexpected                                                           []string
		KnownReasons                                                         string
		Timeline                                                             []pageCall
		Events                                                               []string
		Trace                                                                []string
		Reply, Stdout, Stderr, Failure, Repro, Duration                      string
		StderrHeading                                                        string
		Handoff, Gateway                                                     bool
	}
	pageCall struct {
		Seq                                                 int
		At, Provider, Endpoint, Model, Outcome, Code, Fault string
		Status                                              int
		Left                                                float64
		Bad                                                 bool
	}
	pageNote struct{ Subject, Text string }
	// pageNotStarted is a surface that could not be started.
	pageNotStarted struct {
		Subject, Heading, Stderr string
		Titles                   []string
	}
)

var anchorUnsafe = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func anchor(subject, scenario, surface string) string {
	return "case-" + anchorUnsafe.ReplaceAllString(subject+"-"+scenario+"-"+surface, "_")
}

func htmlPage(runs []*Results) page {
	p := page{Version: Version, OK: true, StagesOnly: true}
	var subjects []string
	rowIndex := map[string]int{}
	var passed, failed, known, stale, skipped int
	for ri, r := range runs {
		g := r.Gate
		passed, failed, known, stale, skipped = passed+g.Passed, failed+g.Failed, known+g.Known, stale+g.Stale, skipped+g.Skipped
		p.OK = p.OK && r.OK()
		p.StagesOnly = p.StagesOnly && r.stagesOnly()
		subjects = append(subjects, r.Subject)
		p.Runs = append(p.Runs, pageRun{Subject: r.Subject, Profile: r.Profile, Seed: r.Seed, Surfaces: r.Surfaces,
			Started: r.Started.UTC().Format(time.RFC3339), Elapsed: r.Elapsed.Round(time.Millisecond).String(),
			Counts: r.countsLine(), ExpectFile: r.ExpectFile, OK: r.OK()})
		for _, row := range r.rows() {
			k, ok := rowIndex[row.Scenario]
			if !ok {
				k = len(p.Rows)
				rowIndex[row.Scenario] = k
				p.Rows = append(p.Rows, pageRow{Scenario: row.Scenario, Name: row.Name})
			}
			// Pad rows to this run's columns, then fill them.
			for len(p.Rows[k].Cells) < columnsBefore(runs, ri) {
				p.Rows[k].Cells = append(p.Rows[k].Cells, pageCell{Label: "-", Status: "none"})
			}
			for j, c := range row.Cells {
				cell := pageCell{Label: label(c), Status: "none", Subject: r.Subject, Surface: r.Surfaces[j]}
				if c != nil {
					cell.Status = statusClass(c.Status)
					cell.Anchor = anchor(r.Subject, c.Scenario, c.Surface)
					cell.Title = fmt.Sprintf("%s on %s (%s): %s", c.Scenario, c.Surface, r.Subject, c.Status)
				}
				p.Rows[k].Cells = append(p.Rows[k].Cells, cell)
			}
		}
		// Cases that fail the gate come first, then known failures, then
		// the rest, each group in matrix order.
		for _, group := range [][]harness.Status{{harness.StatusFail, harness.StatusStale}, {harness.StatusKnown}, {harness.StatusPass}} {
			for i := range r.Cases {
				if c := &r.Cases[i]; slices.Contains(group, c.Status) {
					p.Cases = append(p.Cases, htmlCase(c))
				}
			}
		}
		for _, pf := range r.Parity {
			p.Parity = append(p.Parity, pageNote{Subject: r.Subject, Text: pf.Message + " (" + string(pf.Status) + ")"})
		}
		for _, e := range r.Expectations {
			switch e.Status {
			case ExpectationStale:
				p.Stale = append(p.Stale, pageNote{Subject: r.Subject, Text: fmt.Sprintf("%s line %d: %s (%s)", r.ExpectFile, e.Line, e, e.Reason)})
			case ExpectationNotRun:
				p.NotRun = append(p.NotRun, pageNote{Subject: r.Subject, Text: fmt.Sprintf("%s line %d: %s matched no case that ran", r.ExpectFile, e.Line, e)})
			}
		}
		if r.Shutdown != "" {
			p.Shutdown = append(p.Shutdown, r.Subject+": "+r.Shutdown)
		}
		for _, g := range notStartedGroups(r.NotStarted) {
			var titles []string
			for _, n := range g {
				titles = append(titles, notStartedTitle(n))
			}
			p.NotStarted = append(p.NotStarted, pageNotStarted{Subject: r.Subject, Titles: titles,
				Heading: stderrHeading(g[0].Stderr), Stderr: htmlStderr(g[0].Stderr)})
		}
		if pr := r.Properties; pr != nil {
			p.Properties = append(p.Properties, htmlProperties(r.Subject, pr))
		}
		if c := r.Chaos; c != nil {
			p.Chaos = append(p.Chaos, htmlChaos(r.Subject, c))
		}
		for _, i := range r.Incidents {
			p.Incidents = append(p.Incidents, pageIncident{ID: i.ID, Name: i.Name, File: i.File, Surface: i.Surface, Subject: i.Subject,
				PreFix: i.PreFix, Status: i.Status(), Summary: i.Summary(), Repro: i.Repro, OK: i.OK(), Reproduced: i.Reproduced,
				Holds: i.Holds, Checks: i.failedChecks()})
		}
		if m := r.Mutation; m != nil {
			p.Mutation = append(p.Mutation, pageMutation{Subject: r.Subject, Path: m.Path, Stages: strings.Join(m.Stages, ", "),
				Score: m.Score, OK: len(m.Survivors()) == 0, Mutants: m.Mutants})
		}
	}
	total := columnsBefore(runs, len(runs))
	for k := range p.Rows {
		for len(p.Rows[k].Cells) < total {
			p.Rows[k].Cells = append(p.Rows[k].Cells, pageCell{Label: "-", Status: "none"})
		}
	}
	all := &Results{Gate: Gate{Passed: passed, Failed: failed, Known: known, Stale: stale, Skipped: skipped}}
	p.Counts = all.countsLine()
	p.Verdict = "conforms"
	switch {
	case len(p.NotStarted) > 0:
		p.Verdict = "could not be started"
	case failed > 0 || stale > 0:
		p.Verdict = "does not conform"
	case !p.OK:
		p.Verdict = "conforms, but the gate has a rule without teeth"
	}
	p.Title = "fallbackgate: " + strings.Join(subjects, ", ") + ": " + p.Counts
	return p
}

// columnsBefore counts the matrix columns of the runs before run n.
func columnsBefore(runs []*Results, n int) int {
	cols := 0
	for _, r := range runs[:n] {
		cols += len(r.Surfaces)
	}
	return cols
}

func statusClass(s harness.Status) string {
	if s == harness.StatusNotImplemented {
		return "na"
	}
	return string(s)
}

func htmlCase(c *CaseResult) pageCase {
	pc := pageCase{
		Anchor: anchor(c.Subject, c.Scenario, c.Surface), Label: label(c), Status: statusClass(c.Status),
		ID: c.ID(), Scenario: c.Scenario, Name: c.ScenarioName, Surface: c.Surface, Subject: c.Subject,
		Profile: c.Profile, Seed: c.Seed, Open: c.Status == harness.StatusFail || c.Status == harness.StatusStale,
		Expected: c.Expected, Observed: c.Observed, ExpectedExit: c.Expected.Exit, ObservedExit: c.ExitCode,
		Violations: c.Violations, Unexpected: c.Unexpected, Trace: c.Trace,
		Stdout: c.Stdout, Stderr: htmlStderr(c.Stderr), StderrHeading: stderrHeading(c.Stderr),
		Failure: c.Failure, Repro: c.Repro,
		Duration: c.Duration.Round(time.Millisecond).String(), Handoff: c.Handoff, Gateway: c.Surface == harness.Gateway,
	}
	if len(c.Known) > 0 {
		pc.KnownReasons = reasons(c.Known)
	}
	pc.Timeline, pc.Events = htmlTimeline(c.Ledger), htmlEvents(c.Events)
	if c.Reply != nil {
		line, _ := json.MarshalIndent(c.Reply, "", "  ")
		pc.Reply = string(line)
	}
	return pc
}

// htmlTimeline places each call of a ledger on a timeline from the first
// call to the last.
func htmlTimeline(ledger []fakes.Call) []pageCall {
	var last time.Duration
	for _, call := range ledger {
		last = max(last, call.At)
	}
	var out []pageCall
	for _, call := range ledger {
		left := 0.0
		if last > 0 {
			left = float64(call.At) / float64(last) * 100
		}
		out = append(out, pageCall{Seq: call.Seq, At: "+" + call.At.Round(time.Microsecond).String(),
			Provider: call.Provider, Endpoint: string(call.Endpoint), Model: call.ModelString(), Status: call.Status,
			Outcome: string(call.Served), Code: call.Code, Fault: call.Fault, Left: float64(int(left*10)) / 10,
			Bad: call.Served != "ok"})
	}
	return out
}

// htmlEvents is each event as a line of JSON.
func htmlEvents(events []harness.Event) []string {
	var out []string
	for _, ev := range events {
		line, _ := json.Marshal(ev)
		out = append(out, string(line))
	}
	return out
}

func htmlProperties(subject string, p *Properties) pageProperties {
	pp := pageProperties{Subject: subject, Title: p.title(), Summary: p.summary(), Classes: p.classesText(),
		Repro: p.Repro, Duration: p.Duration.Round(time.Millisecond).String(), OK: p.OK(), Coverage: htmlCoverage(p.Coverage, "generated case")}
	fs := p.failures()
	for _, f := range fs {
		pf := pageFailure{Rules: strings.Join(f.Rules, ","), Scenario: f.Scenario, Saved: f.Saved}
		if len(fs) > 1 {
			pf.What = f.what()
		}
		for _, r := range f.Results {
			pf.Results = append(pf.Results, pageStageResult{Surface: r.Surface, Rules: strings.Join(r.Violations.Rules(), ","),
				Failure: r.Failure, Stdout: r.Stdout, Stderr: htmlStderr(r.Stderr), StderrHeading: stderrHeading(r.Stderr),
				Repro: r.Repro, Violations: r.Violations,
				Timeline: htmlTimeline(r.Ledger), Events: htmlEvents(r.Events)})
		}
		pp.Failures = append(pp.Failures, pf)
	}
	return pp
}

func htmlChaos(subject string, c *Chaos) pageChaos {
	pc := pageChaos{Subject: subject, Title: c.title(), Summary: c.summary(), Faults: c.faultsText(), History: c.History,
		Counterexample: c.Counterexample, Repro: c.Repro, Duration: c.Duration.Round(time.Millisecond).String(), OK: c.OK(),
		Coverage: htmlCoverage(c.Coverage, "start-up")}
	if !c.OK() {
		pc.Type = c.failureType()
	}
	for _, p := range c.Problems {
		pc.Problems = append(pc.Problems, pageProblem{Rule: p.Rule, Message: p.Message, Startups: strings.TrimSpace(p.startupsText())})
	}
	return pc
}

// htmlStderr is the excerpt of a subject's stderr a case shows
// (StderrExcerpt), ending with a newline when stderr did.
func htmlStderr(s string) string {
	lines := StderrExcerpt(s)
	if len(lines) == 0 {
		return ""
	}
	out := strings.Join(lines, "\n")
	if strings.HasSuffix(s, "\n") {
		out += "\n"
	}
	return out
}
