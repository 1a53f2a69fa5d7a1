package incident_test

import (
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness/incident"
)

// goodFile is a valid incident file; each case of TestParseIncidentErrors
// replaces one line of it.
const goodFile = `id: INC-mine
name: mine
story: The token vanished and workers crashed.
config:
  model: {provider: xai-oauth, default: grok-4.3}
  fallback_providers: [openai-codex/gpt-5.5]
faults:
  xai-oauth: ok until 1m -> missing
  openai-codex: ok
dispatcher:
  workers: 4
  every: 30s
  heartbeat: {window: 2m, threshold: 2}
pre_fix: ignores-chain
reproduced:
  - every_worker: {after: 1m, exits: nonzero}
holds:
  - every_worker: {after: 1m, lands_on: openai-codex/gpt-5.5, remaining: []}
  - requeued: {at_most: 0}
  - requests: {provider: openai-codex, at_least: 1}
  - alert: {before: 2m}
  - no_crashes: true
  - no_violations: true
`

// TestParseIncidentErrors: every problem of an incident file is an error
// naming the file, the line and the field, with what was wrong.
func TestParseIncidentErrors(t *testing.T) {
	if _, err := incident.ParseIncident("mine.yaml", []byte(goodFile)); err != nil {
		t.Fatalf("the good file: %v", err)
	}
	for _, tt := range []struct {
		line int // 1-based line of goodFile to replace; 0 appends
		with string
		want string
	}{
		{11, "  workers: 0", `mine.yaml:11: dispatcher.workers: want a whole number >= 1, got "0"`},
		{11, "  workers: many", `mine.yaml:11: dispatcher.workers: want a whole number >= 1, got "many"`},
		{12, "  every: soon", `mine.yaml:12: dispatcher.every: want a duration > 0 like 30s, got "soon"`},
		{12, "  evry: 30s", `mine.yaml:12: dispatcher.evry: unknown key (known: workers, every, jitter, heartbeat)`},
		{13, "  heartbeat: {window: 2m}", `mine.yaml:13: dispatcher.heartbeat: want both window and threshold`},
		{0, "bogus: 1", `mine.yaml:24: bogus: unknown key (known: id, name, date, story, summary, config, faults, vanishes_at, dispatcher, pre_fix, reproduced, holds)`},
		{3, "summry: x", `mine.yaml:3: summry: unknown key`},
		{3, "summary: The older spelling still reads.", ""},
		{8, "  xai-oauth: nonsense", `mine.yaml:8: faults.xai-oauth: plan "nonsense"`},
		{14, "pre_fix: ignores-everything", `mine.yaml:14: pre_fix: unknown mutant "ignores-everything" (known: ignores-chain, `},
		{5, "  model: {provider: xai-oauth, default: grok-4.3, colour: red}", `mine.yaml:5: config.model.colour: unknown key`},
		{6, "  fallback_providers: [{provider: \" \", model: gpt-5.5}]", `mine.yaml:6: config.fallback_providers[0].provider: `},
		{6, "  fallback_providers: [{provider: openai-codex, modl: gpt-5.5}]", `mine.yaml:6: config: unknown entry field "modl"`},
		{6, "  fallback_providers: 3", `mine.yaml:6: config: want a list, got "3"`},
		{6, "  fallback_providers: {a: b}", `mine.yaml:6: config: want a list, got a mapping`},
		{6, "  fallbacks: []", `mine.yaml:6: config.fallbacks: unknown key (known: model, fallback_providers, fallback_model)`},
		{16, "  - every_worker: {after: 1m}", `mine.yaml:16: reproduced[0].every_worker: want exits or lands_on`},
		{16, "  - every_worker: {after: 1m, exits: often}", `mine.yaml:16: reproduced[0].every_worker.exits: want a whole number >= 0, got "often"`},
		{16, "  - every_worker: {after: later, exits: 1}", `mine.yaml:16: reproduced[0].every_worker.after: want a duration >= 0 like 1m50s, got "later"`},
		{16, "  - every_worker: {after: 2m, before: 1m, exits: 1}", `mine.yaml:16: reproduced[0].every_worker.before: want a time after "2m0s", got "1m"`},
		{16, "  - every_worker: {lands_on: openai-codex, exits: 0}", `mine.yaml:16: reproduced[0].every_worker.lands_on: want "provider/model", got "openai-codex"`},
		{16, "  - crashes: everywhere", `mine.yaml:16: reproduced[0].crashes: unknown assertion (known: every_worker, no_crashes, no_violations, requeued, alert, requests)`},
		{16, "  - {no_crashes: true, no_violations: true}", `mine.yaml:16: reproduced[0]: want a mapping with one kind key`},
		{16, "  []", `mine.yaml:16: reproduced: want a non-empty list of assertions`},
		{16, "  - every_worker: {after: 1m, exits: nonzero", `mine.yaml:15: did not find expected ',' or '}'`},
		{19, "  - requeued: {per_worker: true}", `mine.yaml:19: holds[1].requeued: want at_least or at_most`},
		{19, "  - requeued: {at_least: 3, at_most: 1}", `mine.yaml:19: holds[1].requeued.at_most: want at least at_least (3), got 1`},
		{20, "  - requests: {at_least: 1}", `mine.yaml:20: holds[2].requests.provider: missing`},
		{21, "  - alert: sometimes", `mine.yaml:21: holds[3].alert: want never or {before: DURATION}, got "sometimes"`},
		{22, "  - no_crashes: false", `mine.yaml:22: holds[4].no_crashes: want true (leave the assertion out instead of false)`},
		{23, "  - no_violations: yes please", `mine.yaml:23: holds[5].no_violations: want true or false, got "yes please"`},
		{14, "", `mine.yaml:1: pre_fix: missing`},
	} {
		lines := strings.Split(strings.TrimSuffix(goodFile, "\n"), "\n")
		if tt.line == 0 {
			lines = append(lines, tt.with)
		} else {
			lines[tt.line-1] = tt.with
		}
		_, err := incident.ParseIncident("mine.yaml", []byte(strings.Join(lines, "\n")+"\n"))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("line %d %q: %v; want no error", tt.line, tt.with, err)
		case tt.want != "" && err == nil:
			t.Errorf("line %d %q: no error; want %q", tt.line, tt.with, tt.want)
		case tt.want != "" && !strings.Contains(err.Error(), tt.want):
			t.Errorf("line %d %q: error\n%v\nwant it to contain %q", tt.line, tt.with, err, tt.want)
		}
	}
}

// TestParseIncidentBothStories: story and its older spelling summary
// together are an error; summary alone reads as the story.
func TestParseIncidentBothStories(t *testing.T) {
	text := strings.Replace(goodFile, "story: The token vanished and workers crashed.\n", "story: One.\nsummary: Two.\n", 1)
	if _, err := incident.ParseIncident("mine.yaml", []byte(text)); err == nil || !strings.Contains(err.Error(), "mine.yaml:4: summary: the older spelling of story") {
		t.Errorf("story and summary: %v; want an error at line 4", err)
	}
	inc, err := incident.ParseIncident("mine.yaml", []byte(strings.Replace(goodFile, "story:", "summary:", 1)))
	if err != nil || inc.Story != "The token vanished and workers crashed." {
		t.Errorf("summary alone: story %q, %v", inc.Story, err)
	}
}
