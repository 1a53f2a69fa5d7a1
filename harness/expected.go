package harness

import (
	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Expected is what the model (harness/model) predicts for one case: the
// decision a conforming surface reaches, the error it surfaces, the
// resolves the fakes must see, the answer and the exit code. The checker
// judges every observation against it.
type Expected struct {
	// Request is the start-up as the model read it (primary after pins,
	// chain, pin, profile).
	Request resolver.Request
	// Decision is the model's decision, with its trace.
	Decision resolver.Decision
	// Err is the surfaced error, nil when the start-up lands.
	Err error
	// Rule is the rule that decided the outcome: the last trace step's.
	Rule string
	// Resolves are the resolve requests in order, as "provider/model" (and
	// " @ URL" for one that names a base URL, EntryString).
	Resolves []string
	// ResolveCalls are the same requests as the model's fakes recorded
	// them, for a field-by-field comparison (R9).
	ResolveCalls []fakes.Call
	// Shorthand marks the entries of Request.Chain that the config wrote as
	// "provider/model" strings, so that a walk that skipped exactly those
	// can be named (R2/R3).
	Shorthand []bool
	// Answer is the final answer on success.
	Answer string
	// Exit is the oneshot and cli exit code.
	Exit int
	// Class is the class of the gateway's failed reply ("auth",
	// "rate_limit" or "other"); empty when the start-up lands.
	Class string
	// BadUsage is set when the arguments are bad usage (exit 2, no
	// resolve).
	BadUsage bool
}

// Observation is what the checker judges: the surface's outcome, the fakes'
// ledger of the case, and every secret the fakes issued.
type Observation struct {
	Outcome Outcome
	Calls   []fakes.Call
	Secrets []string
}
