package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/incident"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

func listCmd(_ context.Context, s Streams, args []string) error {
	fs := newFlags("list", "list [--json]", "Lists the built-in scenarios with the rules each one checks, the mutation-only extras and saved regressions (run and prop take their IDs with --scenario), the built-in incidents (replay takes their names), the mutants of the reference (mutate --mutant and subject --mutant take their names), the contract profiles, and the surfaces.\nWith --json, the same as one JSON object on stdout, for programs.", s)
	asJSON := fs.Bool("json", false, "write the catalogue as JSON: scenarios (id, name, summary, rules, file), incidents, mutants, profiles, surfaces and versions")
	if err := parse(fs, args, s); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("list takes no arguments, got %q", fs.Args())
	}
	if *asJSON {
		return writeCatalogueJSON(s.Stdout)
	}
	tw := tabwriter.NewWriter(s.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tNAME\tRULES\tWHAT IT CHECKS")
	for _, sc := range scenarios.All() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", sc.ID, sc.Name, strings.Join(sc.Rules, ","), sc.Summary)
	}
	tw.Flush()
	fmt.Fprintln(s.Stdout)
	tw = tabwriter.NewWriter(s.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BY ID (--scenario)\tNAME\tRULES")
	for _, sc := range append(scenarios.Extra(), scenarios.Regressions()...) {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", sc.ID, sc.Name, strings.Join(sc.Rules, ","))
	}
	tw.Flush()
	fmt.Fprintln(s.Stdout)
	incs, err := builtinIncidents()
	if err != nil {
		return &HarnessError{Err: err}
	}
	tw = tabwriter.NewWriter(s.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INCIDENT (replay NAME)\tID\tPRE-FIX MUTANT")
	for _, inc := range incs {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", inc.Name, inc.ID, inc.PreFix)
	}
	tw.Flush()
	fmt.Fprintln(s.Stdout)
	tw = tabwriter.NewWriter(s.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MUTANT (mutate --mutant)\tRULE\tBUG")
	for _, m := range reference.Mutants() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", m.Name, m.Rule, m.Bug)
	}
	tw.Flush()
	fmt.Fprintln(s.Stdout)
	tw = tabwriter.NewWriter(s.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tWHAT IT IS")
	for _, p := range resolver.Profiles() {
		fmt.Fprintf(tw, "%s\t%s\n", p.Name, p.Summary)
	}
	tw.Flush()
	fmt.Fprintf(s.Stdout, "\nSurfaces: %s\n", strings.Join(harness.Surfaces, ", "))
	return nil
}

// builtinIncidents reads every built-in incident, in name order.
func builtinIncidents() ([]incident.Incident, error) {
	var out []incident.Incident
	for _, name := range scenarios.Incidents() {
		inc, err := scenarios.Incident(name)
		if err != nil {
			return nil, err
		}
		out = append(out, inc)
	}
	return out, nil
}
