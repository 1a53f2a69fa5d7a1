package gate_test

import (
	"context"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// TestRouterServesEveryScenario: through one Router, every scenario on
// every surface of the reference passes, each case's fakes at a host of
// its own, and the gateway is bound once: one in-process gateway serves
// every case, and Close shuts it down cleanly.
func TestRouterServesEveryScenario(t *testing.T) {
	rt := gate.NewRouter()
	sub := reference.Subject("reference", reference.Options{RequestTimeout: gate.PropRequestTimeout})
	hooks := gate.Hooks{Transport: rt.Transport(""), CutHangs: true, RequestTimeout: gate.PropRequestTimeout}
	for _, sc := range scenarios.All() {
		for _, surf := range harness.Surfaces {
			p, err := gate.Prepare(context.Background(), gate.Setup{Subject: sub, Scenario: sc, Seed: 1, Hooks: hooks})
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Run(context.Background(), surf)
			if err != nil {
				t.Fatalf("%s/%s: %v", sc.ID, surf, err)
			}
			if res.Failed() {
				t.Errorf("%s/%s through the router: %v", sc.ID, surf, res.Violations)
			}
		}
	}
	if err := rt.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestRouterSharesOneGateway: a gateway that dies on a failed start-up
// (the reference's gateway-dies-on-failure mutant) and is bound once
// through a router fails every later case on it, and Close reports the
// death: the router really shares one gateway, as a gateway process is
// shared. Each case's own hosts keep the ledgers apart.
func TestRouterSharesOneGateway(t *testing.T) {
	m, err := reference.MutantByName("gateway-dies-on-failure")
	if err != nil {
		t.Fatal(err)
	}
	rt := gate.NewRouter()
	sub := reference.Subject("mutant", m.Options)
	hooks := gate.Hooks{Transport: rt.Transport(""), CutHangs: true, RequestTimeout: gate.PropRequestTimeout}
	run := func(id string) harness.Result {
		sel, err := scenarios.Select([]string{id})
		if err != nil {
			t.Fatal(err)
		}
		res, err := gate.RunCase(context.Background(), gate.Setup{Subject: sub, Scenario: sel[0], Seed: 1, Hooks: hooks}, harness.Gateway)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := run("SF-1"); res.Failed() {
		t.Fatalf("SF-1 before the death: %v", res.Violations)
	}
	if res := run("SF-5"); !res.Failed() { // a failed start-up kills it
		t.Fatal("SF-5 passed on a gateway that dies on a failed start-up")
	}
	after := run("SF-1")
	if !after.Failed() || len(after.Ledger) != 0 {
		t.Errorf("SF-1 after the death: failed %t, %d requests; want a failure and no request (the same dead gateway)", after.Failed(), len(after.Ledger))
	}
	if err := rt.Close(); err == nil || !strings.Contains(err.Error(), "died") {
		t.Errorf("Close after the gateway died: %v; want its death", err)
	}
}

// TestRouterTransportHostPerCase: a Transport("") serves every case it
// connects at a host of its own, so that two cases in flight at once never
// share a fleet, and one's release never takes the other's fakes away.
func TestRouterTransportHostPerCase(t *testing.T) {
	rt := gate.NewRouter()
	t.Cleanup(func() { _ = rt.Close() })
	sub := reference.Subject("reference", reference.Options{RequestTimeout: gate.PropRequestTimeout})
	specs, err := checkScenario(t, "SF-1", nil).FakeProviders()
	if err != nil {
		t.Fatal(err)
	}
	transport := rt.Transport("")
	hosts := map[string]bool{}
	for range 2 {
		fleet, err := fakes.NewFleet(fakes.Config{Providers: specs, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = fleet.Close() })
		conn, err := transport(fleet, sub.Surfaces[harness.Oneshot])
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range conn.URLs {
			pu, err := url.Parse(u)
			if err != nil {
				t.Fatal(err)
			}
			hosts[pu.Host] = true
		}
	}
	if len(hosts) != 2 {
		t.Errorf("two cases through one Transport(\"\") were served at hosts %v; want two hosts, one per case", slices.Sorted(maps.Keys(hosts)))
	}
}
