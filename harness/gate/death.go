package gate

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/fallbackgate/fallbackgate/harness"
)

// Victim is a case a gateway's death failed (harness.Outcome.GatewayDied):
// its result in the run, and how to run it again alone.
type Victim struct {
	// Result is the case's result in the run; AttributeGatewayDeath may
	// replace it.
	Result *harness.Result
	// Alone runs the case again by itself on a fresh gateway process, which
	// it closes after, and returns that run's result.
	Alone func(ctx context.Context) (harness.Result, error)
}

// AttributeGatewayDeath attributes a gateway's death to the case that
// causes it. Every case a dying gateway leaves unanswered fails with the
// death, whichever case caused it, and run alone it may pass. So each
// victim is run again alone, on a fresh gateway process (parallel at a
// time):
//   - a case that kills the fresh gateway too is a culprit: its result
//     becomes the run alone, with an R17 note that it kills a gateway
//     alone, which a reproduce command that runs it alone repeats;
//   - when some case is a culprit, every other victim takes the result of
//     its run alone: it passes or fails on its own behaviour;
//   - when no case kills a gateway alone, the death needs the cases
//     together: every result is left as it was, and together is true (the
//     caller says so in the way its reproduce commands can).
//
// The victims must all have died with the same gateway, or with gateways
// of one run that the caller means to judge as one.
func AttributeGatewayDeath(ctx context.Context, victims []Victim, parallel int) (together bool, err error) {
	if len(victims) == 0 {
		return false, nil
	}
	alone := make([]harness.Result, len(victims))
	errs := make([]error, len(victims))
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for k, v := range victims {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			alone[k], errs[k] = v.Alone(ctx)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return false, fmt.Errorf("re-running alone the cases the gateway's death failed: %w", err)
	}
	culprits := 0
	for _, a := range alone {
		if a.Outcome.GatewayDied {
			culprits++
		}
	}
	if culprits == 0 {
		return true, nil
	}
	for k, v := range victims {
		a := alone[k]
		if a.Outcome.GatewayDied {
			a.Violations = append(a.Violations, harness.Violation{Rule: "R17",
				Message: "alone on a fresh gateway this case kills it again; in the run it took the cases in flight down with it"})
		}
		*v.Result = a
	}
	return false, nil
}
