package model

import (
	"errors"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Expectation returns the model's prediction in the words of a scenario
// file's expect block.
func Expectation(want harness.Expected) harness.Expectation {
	e := harness.Expectation{Resolves: want.Resolves, Exit: want.Exit}
	if want.BadUsage {
		return e
	}
	if want.Err != nil {
		var ae *resolver.AuthError
		var oe *OtherError
		switch {
		case errors.As(want.Err, &ae):
			e.Surfaced = ae.Provider
		case errors.As(want.Err, &oe):
			e.Surfaced = oe.Provider
		}
		return e
	}
	e.Landed = &want.Decision.Landed
	e.Model = want.Decision.Model
	e.Remaining = harness.ChainStrings(want.Decision.Remaining)
	if e.Remaining == nil {
		e.Remaining = []string{}
	}
	if want.Decision.FellBack() {
		e.FallbackEvents = 1
	}
	return e
}
