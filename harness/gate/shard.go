package gate

import "github.com/fallbackgate/fallbackgate/harness"

// ShardScenarios returns the scenarios of the run that its shard holds, in
// the run's order: scenario i of cfg.Scenarios when cfg.Shard.Has(i). The
// gate is cut by scenario, not by case, so that every surface of a
// scenario runs in the same shard and parity is judged there as in the
// whole run.
func (cfg Config) ShardScenarios() []harness.Scenario {
	if cfg.Shard.Whole() {
		return cfg.Scenarios
	}
	var out []harness.Scenario
	for i, sc := range cfg.Scenarios {
		if cfg.Shard.Has(i) {
			out = append(out, sc)
		}
	}
	return out
}
