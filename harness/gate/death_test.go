package gate_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
)

// died is a result of a case a gateway's death failed.
func died(id string) harness.Result {
	return harness.Result{Scenario: id, Status: harness.StatusFail, Outcome: harness.Outcome{GatewayDied: true, Failure: "gateway crashed"},
		Violations: harness.Violations{{Rule: "R17", Message: "gateway crashed"}}}
}

// victims returns one victim per result; alone maps a case to its run
// alone (a death when it kills the fresh gateway too).
func victims(results []harness.Result, alone map[string]harness.Result) []gate.Victim {
	vs := make([]gate.Victim, len(results))
	for i := range results {
		id := results[i].Scenario
		vs[i] = gate.Victim{Result: &results[i], Alone: func(context.Context) (harness.Result, error) { return alone[id], nil }}
	}
	return vs
}

// TestAttributeGatewayDeath: a victim that kills a fresh gateway alone is
// the culprit and carries the note; the others take their run alone; when
// no victim kills a gateway alone, every result stays as it was and the
// caller is told the death needs them together.
func TestAttributeGatewayDeath(t *testing.T) {
	ctx := context.Background()
	pass := func(id string) harness.Result { return harness.Result{Scenario: id, Status: harness.StatusPass} }

	results := []harness.Result{died("a"), died("b"), died("c")}
	together, err := gate.AttributeGatewayDeath(ctx, victims(results, map[string]harness.Result{"a": pass("a"), "b": died("b"), "c": pass("c")}), 2)
	if err != nil || together {
		t.Fatalf("AttributeGatewayDeath = %t, %v; want a culprit found", together, err)
	}
	for _, r := range results {
		switch r.Scenario {
		case "b":
			if r.Status != harness.StatusFail || !strings.Contains(r.Violations.Error(), "R17: alone on a fresh gateway this case kills it again") {
				t.Errorf("culprit b: %s %v; want the failure alone with the note", r.Status, r.Violations)
			}
		default:
			if r.Status != harness.StatusPass || r.Outcome.GatewayDied {
				t.Errorf("victim %s: %s %v; want its pass alone", r.Scenario, r.Status, r.Violations)
			}
		}
	}

	results = []harness.Result{died("a"), died("b")}
	together, err = gate.AttributeGatewayDeath(ctx, victims(results, map[string]harness.Result{"a": pass("a"), "b": pass("b")}), 1)
	if err != nil || !together {
		t.Fatalf("AttributeGatewayDeath = %t, %v; want together: no case kills a gateway alone", together, err)
	}
	for _, r := range results {
		if !r.Outcome.GatewayDied || len(r.Violations) != 1 {
			t.Errorf("%s changed: %v; want the death kept as it was", r.Scenario, r.Violations)
		}
	}

	boom := errors.New("boom")
	vs := victims([]harness.Result{died("a")}, nil)
	vs[0].Alone = func(context.Context) (harness.Result, error) { return harness.Result{}, boom }
	if _, err := gate.AttributeGatewayDeath(ctx, vs, 1); !errors.Is(err, boom) {
		t.Errorf("AttributeGatewayDeath = %v; want the run alone's error", err)
	}
	if together, err := gate.AttributeGatewayDeath(ctx, nil, 1); together || err != nil {
		t.Errorf("no victims: %t, %v; want false, nil", together, err)
	}
}
