package cli

import (
	"encoding/json"
	"io"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// catalogue is what `fallbackgate list --json` writes.
type catalogue struct {
	Protocol        string              `json:"protocol"`
	ContractVersion string              `json:"contract_version"`
	ResultsVersion  string              `json:"results_version"`
	Scenarios       []catalogueScenario `json:"scenarios"`
	Incidents       []catalogueIncident `json:"incidents"`
	Mutants         []catalogueMutant   `json:"mutants"`
	Profiles        []catalogueProfile  `json:"profiles"`
	Surfaces        []string            `json:"surfaces"`
}

type catalogueScenario struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Summary string   `json:"summary"`
	Rules   []string `json:"rules"`
	// File is the scenario's file in this repository, embedded in the
	// binary.
	File string `json:"file"`
}

// catalogueIncident is a built-in incident: replay takes its name.
type catalogueIncident struct {
	Name   string `json:"name"`
	ID     string `json:"id"`
	Date   string `json:"date,omitempty"`
	Story  string `json:"story"`
	PreFix string `json:"pre_fix"`
	File   string `json:"file"`
}

// catalogueMutant is a mutant of the reference: mutate --mutant and
// subject --mutant take its name.
type catalogueMutant struct {
	Name string `json:"name"`
	Rule string `json:"rule"`
	Bug  string `json:"bug"`
}

type catalogueProfile struct {
	Name    string `json:"name"`
	Summary string `json:"summary"`
}

// writeCatalogueJSON writes the catalogue list prints, as one indented
// JSON object.
func writeCatalogueJSON(w io.Writer) error {
	c := catalogue{Protocol: harness.Protocol, ContractVersion: resolver.ContractVersion(), ResultsVersion: reports.Version,
		Surfaces: harness.Surfaces}
	for _, sc := range scenarios.All() {
		c.Scenarios = append(c.Scenarios, catalogueScenario{ID: sc.ID, Name: sc.Name, Summary: sc.Summary, Rules: sc.Rules, File: sc.Source})
	}
	incs, err := builtinIncidents()
	if err != nil {
		return err
	}
	for _, inc := range incs {
		c.Incidents = append(c.Incidents, catalogueIncident{Name: inc.Name, ID: inc.ID, Date: inc.Date, Story: inc.Story, PreFix: inc.PreFix, File: inc.Source})
	}
	for _, m := range reference.Mutants() {
		c.Mutants = append(c.Mutants, catalogueMutant{Name: m.Name, Rule: m.Rule, Bug: m.Bug})
	}
	for _, p := range resolver.Profiles() {
		c.Profiles = append(c.Profiles, catalogueProfile{Name: p.Name, Summary: p.Summary})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}
