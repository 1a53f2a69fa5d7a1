package reports_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/chaos"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// inProcessRun is a run of the in-process reference built with opts and
// judged as strict, as `fallbackgate run --prop N --chaos` assembles its
// results: the gate, a property stage and a chaos stage, each cut by
// shard (the zero Shard for the whole run). The stages' repeat commands
// carry --shard as the command's do.
type inProcessRun struct {
	opts reference.Options
	// strictCLI takes the cli surface from the strict reference, so that
	// the surfaces of a broken subject disagree (parity).
	strictCLI bool
	checks    int
	sessions  int
	turns     int
	exp       *reports.Expectations
}

func (r inProcessRun) results(t *testing.T, seed int64, sh harness.Shard) (*reports.Results, []byte) {
	t.Helper()
	ctx := context.Background()
	sub := reference.Subject("reference", r.opts)
	sub.Profile = resolver.Strict
	defer sub.Close()
	if r.strictCLI {
		strict := reference.Subject("reference", reference.Options{})
		defer strict.Close()
		sub.Surfaces[harness.CLI] = strict.Surfaces[harness.CLI]
	}
	// The nine and two extras, in an order no sort restores.
	extras, err := scenarios.Select([]string{"MX-3", "MX-2"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := gate.Config{Subject: sub, Scenarios: append(scenarios.All(), extras...), Seed: seed, Shard: sh}
	rep, err := gate.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	res := reports.New(rep, r.exp)
	var ids []string
	for _, sc := range cfg.ShardScenarios() {
		ids = append(ids, sc.ID)
	}
	res.SetShard(sh, ids)
	flag := ""
	if sh.N > 0 {
		flag = " --shard " + sh.String()
	}

	opts := r.opts
	target := prop.Target{Name: "reference", Profile: &resolver.Strict, PerCase: true,
		Hooks: gate.InProcess(fakes.NewManualClock(harness.Epoch)),
		Open: func(p resolver.Profile) (*harness.Subject, error) {
			o := opts
			o.RequestTimeout = gate.PropRequestTimeout
			s := reference.Subject("reference", o)
			s.Profile = p
			return s, nil
		}}
	prep, err := prop.Run(ctx, prop.Config{Target: target, Checks: r.checks, Seed: seed, ShrinkTime: 30e9, Shard: sh})
	if err != nil {
		t.Fatal(err)
	}
	if !sh.Whole() {
		prep.Vacuous = nil // as the command does: the merge judges it
	}
	repro := fmt.Sprintf("fallbackgate prop --surface oneshot,gateway,cli --checks %d --seed %d%s", r.checks, seed, flag)
	p := reports.NewProperties(prep, harness.Surfaces, r.checks, repro, nil)
	if p.Failure != nil {
		p.Failure.Case = prop.FailureCase(prep)
	}
	res.SetProperties(p)

	var hist bytes.Buffer
	csub := reference.Subject("reference", r.opts)
	csub.Profile = resolver.Strict
	defer csub.Close()
	crep, err := chaos.Run(ctx, chaos.Config{Subject: csub, InProcess: true, Surface: harness.Gateway, Sessions: r.sessions, Turns: r.turns,
		Seed: seed, Hang: true, History: &hist, Shard: sh})
	if err != nil {
		t.Fatal(err)
	}
	counter := ""
	if crep.First != nil {
		counter = "counterexamples/" + strings.ReplaceAll(crep.First.ID, "/", "-") + ".yaml"
	}
	repro = fmt.Sprintf("fallbackgate chaos --in-process --sessions %d --turns %d --seed %d%s", r.sessions, r.turns, seed, flag)
	res.SetChaos(reports.NewChaos(crep, "chaos.jsonl", counter, repro))

	var b bytes.Buffer
	if err := reports.WriteJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	back, err := reports.ReadJSON("shard "+sh.String(), b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return back, hist.Bytes()
}

// TestMergeEqualsWholeRun: the in-process reference (and a broken one,
// whose cases, parity, properties and chaos fail, judged with expectations
// that some shards do not run) run whole and cut into N = 1, 3 and 4
// shards; the merge of the shards' results.json is the whole run's,
// wall-clock times and the gateway's request numbering aside, in every
// format, and so are the merged chaos histories. The merged verdict is the
// whole run's. (With a property failure, the shards ran more cases than the
// whole run, which stops at its first: the merge counts what they ran.)
func TestMergeEqualsWholeRun(t *testing.T) {
	exp, err := reports.ParseExpectations("expect.yaml", []byte(`known_failures:
  - {scenario: SF-8, surface: "*", rule: R7, reason: walks past a 429}
  - {scenario: SF-1, surface: oneshot, rule: R9, reason: stale everywhere}
  - {scenario: SF-4, rule: parity, reason: a parity entry}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		run  inProcessRun
		ok   bool
	}{
		{"reference", inProcessRun{checks: 120, sessions: 6, turns: 12}, true},
		{"broken", inProcessRun{opts: reference.Options{Profile: resolver.Upstream}, strictCLI: true, checks: 120, sessions: 8, turns: 20, exp: exp}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			whole, wholeHist := tt.run.results(t, 7, harness.Shard{})
			if whole.OK() != tt.ok {
				t.Fatalf("the whole run's gate ok = %t; want %t", whole.OK(), tt.ok)
			}
			if !tt.ok && (whole.Properties.Failure == nil || whole.Chaos.First == nil || len(whole.Parity) == 0) {
				t.Fatalf("the broken run lacks a property failure, a chaos counterexample or a parity failure: %+v %+v %v",
					whole.Properties.Failure, whole.Chaos.First, whole.Parity)
			}
			for _, n := range []int{1, 3, 4} {
				var files []reports.ShardFile
				var hs []chaos.History
				for k := n; k >= 1; k-- {
					r, h := tt.run.results(t, 7, harness.Shard{K: k, N: n})
					files = append(files, reports.ShardFile{Name: fmt.Sprintf("shard-%d/results.json", k), Results: r})
					hs = append(hs, chaos.History{Name: fmt.Sprintf("shard-%d/chaos.jsonl", k), Data: h})
				}
				merged, err := reports.Merge(files)
				if err != nil {
					t.Fatalf("N=%d: Merge: %v", n, err)
				}
				if want := strings.Join([]string{"chaos.jsonl", "chaos.jsonl", "chaos.jsonl", "chaos.jsonl"}[:n], ", "); merged.Chaos.History != want {
					t.Errorf("N=%d: merged history %q; want the shards' %q", n, merged.Chaos.History, want)
				}
				merged.Chaos.History = whole.Chaos.History // the command writes the merged history there
				if whole.Properties.Failure != nil {
					// The whole run stops at its first failure; the shards
					// each run to theirs, so they ran more cases, every one
					// of the whole run's among them, and the merge counts
					// what they ran.
					mp, wp := merged.Properties, whole.Properties
					if mp.Cases < wp.Cases || mp.Cases > wp.Checks {
						t.Errorf("N=%d: merged properties ran %d cases; the whole run %d of %d", n, mp.Cases, wp.Cases, wp.Checks)
					}
					for k, v := range wp.Classes {
						if mp.Classes[k] < v {
							t.Errorf("N=%d: merged properties count %d %s cases; the whole run %d", n, mp.Classes[k], k, v)
						}
					}
					for _, r := range prop.Rules {
						for _, surf := range wp.Coverage.Surfaces {
							if mp.Coverage.Rules[r][surf] < wp.Coverage.Rules[r][surf] {
								t.Errorf("N=%d: merged coverage of %s on %s is %d; the whole run's %d", n, r, surf, mp.Coverage.Rules[r][surf], wp.Coverage.Rules[r][surf])
							}
						}
					}
					mp.Cases, mp.Classes, mp.Coverage = wp.Cases, wp.Classes, wp.Coverage
				}
				if d := cmp.Diff(normalizedJSON(t, whole), normalizedJSON(t, merged)); d != "" {
					t.Errorf("N=%d: merged results.json differs from the whole run's (-whole +merged):\n%s", n, d)
				}
				if d := cmp.Diff(render(t, normalized(t, whole)), render(t, normalized(t, merged))); d != "" {
					t.Errorf("N=%d: merged reports differ from the whole run's (-whole +merged):\n%s", n, d)
				}
				var mh bytes.Buffer
				if err := chaos.MergeHistories(&mh, hs); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(mh.Bytes(), wholeHist) {
					t.Errorf("N=%d: the merged chaos history differs from the whole run's", n)
				}
			}
		})
	}
}

// normalizedJSON is r's results.json as a JSON value with what the same
// run does not repeat set to zero: wall-clock times and durations, ledger
// offsets, and the numbering of the requests a shared gateway received
// (in the order cases reach it, which two runs of one seed do not share).
func normalizedJSON(t *testing.T, r *reports.Results) any {
	t.Helper()
	var b bytes.Buffer
	if err := reports.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				switch k {
				case "started", "elapsed_ns", "duration_ns", "at_ns", "generating_ns", "shrinking_ns":
					x[k] = 0
				case "reply":
					if m, ok := e.(map[string]any); ok {
						m["id"], m["session"] = "", ""
					}
				case "events":
					if l, ok := e.([]any); ok {
						for _, ev := range l {
							delete(ev.(map[string]any), "id")
						}
					}
				}
				if str, ok := x[k].(string); ok {
					x[k] = gatewayRequest.ReplaceAllString(str, `"id":"<N>","session":"<N>"`)
				}
				walk(x[k])
			}
		case []any:
			for i, e := range x {
				if str, ok := e.(string); ok {
					x[i] = gatewayRequest.ReplaceAllString(str, `"id":"<N>","session":"<N>"`)
				}
				walk(e)
			}
		}
	}
	walk(v)
	return v
}

// gatewayRequest is a gateway's request and session id in a reply line it
// wrote (a gateway case's stdout).
var gatewayRequest = regexp.MustCompile(`"id":"[^"]*","session":"[^"]*"`)

// normalized is r read back from its normalized results.json.
func normalized(t *testing.T, r *reports.Results) *reports.Results {
	t.Helper()
	b, err := json.Marshal(normalizedJSON(t, r))
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte(`"started":0`), []byte(`"started":"2026-01-02T03:04:05Z"`))
	back, err := reports.ReadJSON("normalized", b)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// TestMergeRefuses: the merge refuses what is not the shards of one run,
// naming the files and what differs.
func TestMergeRefuses(t *testing.T) {
	shard := func(k, n int, ids []string, change func(*reports.Results)) reports.ShardFile {
		r := reports.New(handReport(), nil)
		r.Cases = slices.DeleteFunc(r.Cases, func(c reports.CaseResult) bool { return !slices.Contains(ids, c.Scenario) })
		r.Parity = nil
		r.SetShard(harness.Shard{K: k, N: n}, ids)
		if change != nil {
			change(r)
		}
		return reports.ShardFile{Name: fmt.Sprintf("s%d/results.json", k), Results: r}
	}
	one, two := shard(1, 2, []string{"SF-1"}, nil), shard(2, 2, []string{"SF-8"}, nil)
	if _, err := reports.Merge([]reports.ShardFile{two, one}); err != nil {
		t.Fatalf("Merge of two good shards: %v", err)
	}
	whole := reports.ShardFile{Name: "whole.json", Results: reports.New(handReport(), nil)}
	for _, tt := range []struct {
		files []reports.ShardFile
		want  string
	}{
		{nil, "no results to merge"},
		{[]reports.ShardFile{one, whole}, "whole.json: not the results of a shard (it was run without --shard K/N)"},
		{[]reports.ShardFile{one}, "shard(s) 2/2 missing: have 1/2 (s1/results.json)"},
		{[]reports.ShardFile{one, one, two}, "shard 1/2 given twice: s1/results.json and s1/results.json"},
		{[]reports.ShardFile{one, shard(2, 3, []string{"SF-8"}, nil)}, "s1/results.json is shard 1/2 and s2/results.json shard 2/3: the shards of one run share N"},
		{[]reports.ShardFile{one, shard(2, 2, []string{"SF-8"}, func(r *reports.Results) { r.Seed = 9 })}, "s1/results.json has seed 1 and s2/results.json 9"},
		{[]reports.ShardFile{one, shard(2, 2, []string{"SF-8"}, func(r *reports.Results) { r.Subject = "other" })}, `has subject "hand" and s2/results.json "other"`},
		{[]reports.ShardFile{one, shard(2, 2, []string{"SF-8"}, func(r *reports.Results) { r.Profile = "upstream" })}, "has profile strict and s2/results.json upstream"},
		{[]reports.ShardFile{one, shard(2, 2, []string{"SF-8"}, func(r *reports.Results) { r.SetProperties(handProperties("pass")) })},
			"has stages none but the scenarios and s2/results.json properties (100 checks on oneshot,gateway,cli)"},
		{[]reports.ShardFile{one, shard(2, 2, []string{"SF-8", "SF-2", "SF-3"}, nil)}, "s1/results.json: shard 1/2 ran 1 scenario(s); of the 4 scenarios the shards ran together it holds 2"},
		{[]reports.ShardFile{one, shard(2, 2, []string{"SF-1"}, nil)}, "scenario SF-1 ran in two shards: s1/results.json and s2/results.json"},
	} {
		_, err := reports.Merge(tt.files)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Merge: %v; want an error containing %q", err, tt.want)
		}
	}
}

// TestStagesOnlyReports: the results of prop or chaos (a stage and no
// scenario) render without an empty matrix and claim no parity, in every
// format; results with scenarios keep theirs.
func TestStagesOnlyReports(t *testing.T) {
	stage := &reports.Results{Version: reports.Version, Subject: "hand", Profile: "strict", Seed: 1, Surfaces: []string{harness.Gateway}}
	stage.SetProperties(handProperties("pass"))
	out := render(t, stage)
	for format, absent := range map[string]string{"text": "SCENARIO", "markdown": "| scenario |", "html": `id="matrix-table"`} {
		if strings.Contains(out[format], absent) {
			t.Errorf("the %s report of a stage alone shows an empty matrix (%q)", format, absent)
		}
		if strings.Contains(out[format], "every scenario reached the same decision") {
			t.Errorf("the %s report of a stage alone claims parity", format)
		}
		if !strings.Contains(out[format], "properties (100 checks on oneshot,gateway,cli)") {
			t.Errorf("the %s report of a stage alone lacks the stage:\n%s", format, out[format])
		}
	}
	if !strings.Contains(out["html"], "No scenario ran") {
		t.Error("the HTML report of a stage alone does not say that no scenario ran")
	}
	full := render(t, withStages(handProperties("pass"), nil))
	for format, present := range map[string]string{"text": "SCENARIO", "markdown": "| scenario |", "html": `id="matrix-table"`} {
		if !strings.Contains(full[format], present) {
			t.Errorf("the %s report of a run with scenarios lacks its matrix (%q)", format, present)
		}
	}
}
