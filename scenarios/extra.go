package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/incident"
)

// The mutation-only scenarios (MX-1, MX-2, ...) live apart from the SF
// catalogue of CONTRACT.md: they exist to give a rule teeth that the nine
// scenarios cannot show (R1 needs the config to change during a start-up;
// R5 needs a primary that fails with an error that is not an AuthError).
// `fallbackgate mutate` runs them after SF-1…SF-9.
//
//go:embed extra/*.yaml
var extraFiles embed.FS

// The incident replays, e.g. INC-v6.6.
//
//go:embed incidents/*.yaml
var incidentFiles embed.FS

// Extra returns the mutation-only scenarios that run as any other scenario,
// in ID order. Like All, it panics on a file that does not parse.
func Extra() []harness.Scenario {
	plain, _ := loadExtra()
	return plain
}

// Drift returns the mutation-only scenarios whose config file changes during
// the start-up (see harness.DriftScenario), in ID order.
func Drift() []harness.DriftScenario {
	_, drift := loadExtra()
	return drift
}

func loadExtra() ([]harness.Scenario, []harness.DriftScenario) {
	names, err := fs.Glob(extraFiles, "extra/*.yaml")
	if err != nil {
		panic(err)
	}
	var (
		plain []harness.Scenario
		drift []harness.DriftScenario
	)
	for _, name := range names {
		data, err := fs.ReadFile(extraFiles, name)
		if err != nil {
			panic(err)
		}
		sc, d, err := harness.ParseExtraScenario(path.Join("scenarios", name), data)
		if err != nil {
			panic(err)
		}
		if d != nil {
			drift = append(drift, harness.DriftScenario{Scenario: sc, Drift: *d})
		} else {
			plain = append(plain, sc)
		}
	}
	sort.Slice(plain, func(i, j int) bool { return lessID(plain[i].ID, plain[j].ID) })
	sort.Slice(drift, func(i, j int) bool { return lessID(drift[i].ID, drift[j].ID) })
	return plain, drift
}

// Incidents returns the names of the incidents that can be replayed, e.g.
// "v6.6".
func Incidents() []string {
	names, _ := fs.Glob(incidentFiles, "incidents/*.yaml")
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.TrimSuffix(path.Base(n), ".yaml")
	}
	return out
}

// Incident returns the incident called name ("v6.6" or "INC-v6.6"). An
// unknown name is an error that lists the known ones.
func Incident(name string) (incident.Incident, error) {
	name = strings.TrimPrefix(strings.TrimSpace(name), "INC-")
	file := path.Join("incidents", name+".yaml")
	data, err := fs.ReadFile(incidentFiles, file)
	if err != nil {
		return incident.Incident{}, fmt.Errorf("unknown incident %q (known: %s)", name, strings.Join(Incidents(), ", "))
	}
	return incident.ParseIncident(path.Join("scenarios", file), data)
}
