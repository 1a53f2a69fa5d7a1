package scenarios

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness/model"
	"github.com/fallbackgate/fallbackgate/resolver"
)

func TestExtraParse(t *testing.T) {
	var ids []string
	for _, s := range Extra() {
		ids = append(ids, s.ID)
	}
	for _, s := range Drift() {
		ids = append(ids, s.ID+" (drift)")
	}
	if want := []string{"MX-2", "MX-3", "MX-4", "MX-5", "MX-6", "MX-7", "MX-8", "MX-9", "MX-10", "MX-1 (drift)"}; !slices.Equal(ids, want) {
		t.Errorf("extra scenarios %v; want %v", ids, want)
	}
	for _, s := range append(Extra(), All()...) {
		if strings.HasPrefix(s.ID, "MX-") == strings.HasPrefix(s.Source, "scenarios/files/") {
			t.Errorf("%s comes from %s: MX scenarios live in scenarios/extra, SF ones in scenarios/files", s.ID, s.Source)
		}
	}
}

// TestExtraExpectationsMatchModel proves each mutation-only file states what
// the reference model does, for every profile (expect:, or its profiles:
// entry), as TestExpectationsMatchModel does for SF-1…SF-9.
func TestExtraExpectationsMatchModel(t *testing.T) {
	all := Extra()
	for _, d := range Drift() {
		all = append(all, d.Scenario)
	}
	for _, s := range all {
		for _, p := range resolver.Profiles() {
			want, err := model.Predict(context.Background(), s, p, 1, model.Options{})
			if err != nil {
				t.Fatalf("%s/%s: %v", s.ID, p.Name, err)
			}
			if err := compareExpectation(s, p.Name, "the model", model.Expectation(want)); err != nil {
				t.Error(err)
			}
		}
	}
}

// TestDriftChangesTheHandoff: a drift is only worth running when the
// rewritten chain would hand the runtime something else.
func TestDriftChangesTheHandoff(t *testing.T) {
	for _, d := range Drift() {
		before, _ := d.Config.Resolved()
		after, err := d.Drift.Resolved()
		if err != nil {
			t.Fatalf("%s: drift: %v", d.ID, err)
		}
		if slices.Equal(before.Chain[1:].Strings(), after.Chain[1:].Strings()) {
			t.Errorf("%s: the drift leaves the chain after the landing as it was; a second read would go unseen", d.ID)
		}
	}
}

func TestIncidentV66(t *testing.T) {
	inc, err := Incident("v6.6")
	if err != nil {
		t.Fatal(err)
	}
	if again, err := Incident("INC-v6.6"); err != nil || again.ID != inc.ID {
		t.Errorf("Incident(INC-v6.6) = %v, %v", again.ID, err)
	}
	cfg, _ := inc.Config.Resolved()
	if got := cfg.Primary.String() + " " + strings.Join(cfg.Chain.Strings(), ","); got != "xai-oauth/grok-4.3 openai-codex/gpt-5.5,xai-oauth/grok-4.3" {
		t.Errorf("INC-v6.6 profile is %s; want CONTRACT.md's", got)
	}
	plan, err := fakes.Parse(inc.Faults[cfg.Primary.Provider])
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Resolve) < 2 || plan.Resolve[0].Until != inc.VanishesAt {
		t.Errorf("vanishes_at %s does not match the primary's plan %q", inc.VanishesAt, plan)
	}
	if _, err := Incident("v9.9"); err == nil || !strings.Contains(err.Error(), "v6.6") {
		t.Errorf("Incident(v9.9) = %v; want an error listing v6.6", err)
	}
}

// TestIncidentsVanishAsTheirPlansSay: every built-in incident's vanishes_at
// is the first "until" of its primary's plan, so that the header and the
// fakes tell one story. (That each has a story, a pre_fix naming a mutant
// and assertions on both sides is ParseIncident's to refuse otherwise.)
func TestIncidentsVanishAsTheirPlansSay(t *testing.T) {
	if got := Incidents(); !slices.Equal(got, []string{"legacy-fallback-model", "login-revoked", "quota-wall", "v6.6"}) {
		t.Errorf("Incidents() = %v", got)
	}
	for _, name := range Incidents() {
		inc, err := Incident(name)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := inc.Config.Resolved()
		plan, err := fakes.Parse(inc.Faults[cfg.Primary.Provider])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(plan.Resolve) < 2 || plan.Resolve[0].Until != inc.VanishesAt || inc.VanishesAt == 0 {
			t.Errorf("%s: vanishes_at %s does not match the primary's plan %q", name, inc.VanishesAt, plan)
		}
	}
}
