package prop

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/model"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// DefaultCounterexampleDir is where the command line saves shrunk
// counterexamples when no directory is named.
const DefaultCounterexampleDir = "fallbackgate-counterexamples"

// savedScenario is the shape of a saved counterexample: a Scenario with
// every empty field left out, so that the file reads like the hand-written
// ones in scenarios/files.
type savedScenario struct {
	ID       string                         `yaml:"id"`
	Name     string                         `yaml:"name"`
	Summary  string                         `yaml:"summary"`
	Rules    []string                       `yaml:"rules,flow"`
	Config   harness.CaseConfig             `yaml:"config"`
	Pin      *harness.Args                  `yaml:"pin,omitempty"`
	Faults   map[string]string              `yaml:"faults,omitempty"`
	Expect   harness.Expectation            `yaml:"expect"`
	Profiles map[string]harness.Expectation `yaml:"profiles,omitempty"`
}

// Counterexample returns a failing case as a scenario file: its set-up,
// the rules its results broke, the model's expectations for strict (and
// for the case's profile when that differs), and a summary that starts with
// note. Its id, "prop-" and eight hex digits, is a hash of the set-up, so
// that the same counterexample is saved under the same name.
func Counterexample(ctx context.Context, o CaseOutcome, note string) (harness.Scenario, []byte, error) {
	sc := o.Generated.Scenario
	var rules, what []string
	for _, r := range o.Failed() {
		for _, rule := range r.Violations.Rules() {
			if !slices.Contains(rules, rule) {
				rules = append(rules, rule)
			}
		}
		if len(r.Violations) > 0 {
			what = append(what, r.Surface+": "+r.Violations[0].String())
		}
	}
	setup, err := yaml.Marshal(savedScenario{Config: sc.Config, Pin: pinOrNil(sc.Pin), Faults: sc.Faults})
	if err != nil {
		return sc, nil, err
	}
	h := fnv.New32a()
	h.Write(setup)
	h.Write([]byte(o.Generated.Profile.Name))
	sc.ID = fmt.Sprintf("prop-%08x", h.Sum32())
	sc.Name = "counterexample"
	sc.Summary = note
	if len(what) > 0 {
		sc.Summary += ". " + strings.Join(what, ". ")
	}
	sc.Summary = fakes.Redact(sc.Summary) // a file meant to be committed
	sc.Rules = rules
	popts := model.Options{RequestTimeout: gate.PropRequestTimeout, CutHangs: true}
	strict, err := model.Predict(ctx, sc, resolver.Strict, 1, popts)
	if err != nil {
		return sc, nil, err
	}
	sc.Expect = model.Expectation(strict)
	if p := o.Generated.Profile; p.Name != "" && p.Name != resolver.Strict.Name {
		w, err := model.Predict(ctx, sc, p, 1, popts)
		if err != nil {
			return sc, nil, err
		}
		sc.Profiles = map[string]harness.Expectation{p.Name: model.Expectation(w)}
	}
	data, err := MarshalScenario(sc)
	if err != nil {
		return sc, nil, err
	}
	// The file must read back as the very scenario it was written from.
	if _, err := harness.ParseScenario(sc.ID+".yaml", data); err != nil {
		return sc, data, fmt.Errorf("saved counterexample does not parse: %w", err)
	}
	return sc, data, nil
}

func pinOrNil(a harness.Args) *harness.Args {
	if strings.TrimSpace(a.Model) == "" && strings.TrimSpace(a.Provider) == "" {
		return nil
	}
	return &a
}

// MarshalScenario writes s as a scenario file that ParseScenario reads
// back, leaving out empty fields.
func MarshalScenario(s harness.Scenario) ([]byte, error) {
	out := savedScenario{ID: s.ID, Name: s.Name, Summary: s.Summary, Rules: s.Rules, Config: s.Config,
		Pin: pinOrNil(s.Pin), Faults: s.Faults, Expect: s.Expect, Profiles: s.Profiles}
	if len(out.Faults) == 0 {
		out.Faults = nil
	}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// SaveScenario writes data as dir/id.yaml, creating dir, and returns the
// path. What it writes passes through the one redactor (fakes.Redact).
func SaveScenario(dir, id string, data []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, id+".yaml")
	if err := os.WriteFile(path, fakes.RedactBytes(data), 0o644); err != nil {
		return "", err
	}
	return path, nil
}
