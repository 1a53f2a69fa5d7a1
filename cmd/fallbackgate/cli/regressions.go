package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/model"
	"github.com/fallbackgate/fallbackgate/harness/prop"
)

// run --regressions DIR replays every saved counterexample in DIR as part
// of the gate, as Hypothesis replays its example database: the scenario
// files prop and chaos save (fallbackgate-counterexamples/ by default, which
// run replays whenever it exists). Each file is read and checked as
// --scenario-file reads one; a file that does not parse, whose
// expectations disagree with the model, or whose id another scenario of
// the run has, is bad input naming the file.

// regressions is where the saved counterexamples of a run come from.
type regressions struct {
	dir       string
	byDefault bool // dir is the default folder, which exists
	scenarios []harness.Scenario
}

// note is the line run prints under its first: where the saved
// counterexamples come from and how many there are; "" for none asked.
func (r regressions) note() string {
	if r.dir == "" {
		return ""
	}
	s := fmt.Sprintf("regressions: %d saved counterexample(s) from %s, replayed with the scenarios", len(r.scenarios), r.dir)
	if r.byDefault {
		s += " (the default folder, as it exists; --regressions DIR names another, --regressions= none)"
	}
	return s
}

// findRegressions returns the saved counterexamples run replays: those of
// the --regressions flag when it was given ("" for none), else of the
// default folder when it exists.
func findRegressions(ctx context.Context, fs *flag.FlagSet, dir string) (regressions, error) {
	r := regressions{dir: dir}
	if !flagGiven(fs, "regressions") {
		fi, err := os.Stat(prop.DefaultCounterexampleDir)
		if err != nil || !fi.IsDir() {
			return regressions{}, nil
		}
		r.dir, r.byDefault = prop.DefaultCounterexampleDir, true
	}
	if r.dir == "" {
		return r, nil
	}
	var err error
	if r.scenarios, err = loadRegressions(ctx, r.dir); err != nil {
		return r, usagef("run: --regressions %s: %v", r.dir, err)
	}
	return r, nil
}

// readScenarioFile reads the scenario file at path as run takes one (with
// --scenario-file or from --regressions): it must parse and its
// expectations must agree with the model.
func readScenarioFile(ctx context.Context, path string) (harness.Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return harness.Scenario{}, err
	}
	sc, err := harness.ParseScenario(path, data)
	if err != nil {
		return sc, err
	}
	return sc, model.CheckExpectations(ctx, sc, data)
}

// loadRegressions reads every scenario file (*.yaml, *.yml) in dir, in
// name order, and checks each as --scenario-file does: it must parse and
// its expectations must agree with the model. Every bad file is named.
func loadRegressions(ctx context.Context, dir string) ([]harness.Scenario, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var (
		out      []harness.Scenario
		problems []error
	)
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !slices.Contains([]string{".yaml", ".yml"}, strings.ToLower(filepath.Ext(name))) {
			continue
		}
		path := filepath.Join(dir, name)
		if !e.Type().IsRegular() {
			problems = append(problems, fmt.Errorf("%s: not a regular file", path))
			continue
		}
		sc, err := readScenarioFile(ctx, path)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		out = append(out, sc)
	}
	return out, errors.Join(problems...)
}
