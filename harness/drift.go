package harness

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// R1 says the chain is read once per start-up, because the config may change
// in between. Reading it twice is invisible while the config holds still, so
// a drift scenario makes it change: when the primary's first /resolve
// arrives, before the fake answers, the harness rewrites the subject's
// home/config.yaml with the scenario's drift config (an operator editing the
// file, a hot reload). harness/gate runs it (its Drift hook).

// DriftScenario is a scenario whose config file changes during a start-up.
type DriftScenario struct {
	Scenario
	// Drift is the configuration written over home/config.yaml when the
	// primary's first resolve arrives.
	Drift CaseConfig
}

// ParseExtraScenario reads a scenario file that may carry a top-level
// "drift" key (a config, in the shape of the scenario's "config"). Without
// one, drift is nil and the scenario runs as any other.
func ParseExtraScenario(name string, data []byte) (sc Scenario, drift *CaseConfig, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return sc, nil, fmt.Errorf("%s: %v", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		m := doc.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value != "drift" {
				continue
			}
			drift = new(CaseConfig)
			if err := m.Content[i+1].Decode(drift); err != nil {
				return sc, nil, fmt.Errorf("%s: drift: %v", name, err)
			}
			if _, err := drift.Resolved(); err != nil {
				return sc, nil, fmt.Errorf("%s: drift: %v", name, err)
			}
			m.Content = slices.Delete(m.Content, i, i+2)
			if data, err = yaml.Marshal(&doc); err != nil {
				return sc, nil, fmt.Errorf("%s: %v", name, err)
			}
			break
		}
	}
	sc, err = ParseScenario(name, data)
	return sc, drift, err
}
