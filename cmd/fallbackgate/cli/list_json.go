package cli

import (
	"encoding/json"
	"io"

	"github.com/fallbackgate/fallbackgate/harness"
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
	for _, p := range resolver.Profiles() {
		c.Profiles = append(c.Profiles, catalogueProfile{Name: p.Name, Summary: p.Summary})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}
