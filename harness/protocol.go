package harness

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/resolver"
)

// This file holds the constants of PROTOCOL.md that every stage and every
// subject, the built-in reference included, shares: the protocol version,
// the surfaces, the environment, the exit codes and the gateway's request
// line.

// Protocol is the version of PROTOCOL.md this harness speaks.
const Protocol = "fallbackgate/1"

// supportedProtocols lists every protocol version the harness accepts.
var supportedProtocols = []string{Protocol}

// CheckProtocol reports an error naming the version found and the ones
// supported when v is not a version the harness knows. what names the file
// or stream, e.g. "case file" or "manifest".
func CheckProtocol(what, v string) error {
	if slices.Contains(supportedProtocols, v) {
		return nil
	}
	return fmt.Errorf("%s: protocol %q is not supported (supported: %s)", what, v, strings.Join(supportedProtocols, ", "))
}

// The three surfaces of CONTRACT.md.
const (
	Oneshot = "oneshot"
	Gateway = "gateway"
	CLI     = "cli"
)

// Surfaces lists the surface names in report order.
var Surfaces = []string{Oneshot, Gateway, CLI}

// The environment variables of PROTOCOL.md.
const (
	// EnvCase names the case file of a oneshot or cli process.
	EnvCase = "FALLBACKGATE_CASE"
	// EnvEvents names the gateway's events file.
	EnvEvents = "FALLBACKGATE_EVENTS"
)

// The exit codes of the oneshot and cli surfaces (PROTOCOL.md).
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitRateLimited = 75 // EX_TEMPFAIL: the dispatcher requeues the job
)

// ExitFor is the exit code a oneshot or cli process must end with after a
// start-up that surfaced err (PROTOCOL.md): 0 on success, 2 for bad usage,
// 75 whenever the surfaced error is rate-limited (R7), else 1.
func ExitFor(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrProviderWithoutModel):
		return ExitUsage
	case resolver.IsRateLimited(err):
		return ExitRateLimited
	}
	return ExitFailure
}

// ErrProviderWithoutModel is the bad usage of a --provider argument (or a
// gateway override) that names no model (CONTRACT.md R6). A surface
// reports it before any resolve.
var ErrProviderWithoutModel = errors.New("--provider needs --model")

// CapabilityRuntimeFallback is the optional extra of PROTOCOL.md
// "Runtime hand-off": the subject's runtime loop is checked end to end.
const CapabilityRuntimeFallback = "runtime-fallback"

// DefaultTimeout is the per-case timeout of a manifest that names none.
const DefaultTimeout = 10 * time.Second

// DefaultRequestTimeout bounds one request to a fake provider. It is well
// below DefaultTimeout, so a hanging fake becomes a non-auth error
// (PROTOCOL.md) before the harness kills the subject (R17).
const DefaultRequestTimeout = 3 * time.Second

// GatewayRequest is one line a gateway reads from stdin (PROTOCOL.md,
// "gateway"). A non-blank Override pins the session (R6).
type GatewayRequest struct {
	ID       string `json:"id"`
	Session  string `json:"session"`
	Case     Case   `json:"case"`
	Override Args   `json:"override"`
}

// ReplyClasses are the classes of a failed gateway reply, in the words of
// PROTOCOL.md.
var ReplyClasses = []string{"auth", "rate_limit", "other"}

// ReloginWords make a line of the cli's output a re-login hint
// (PROTOCOL.md, "cli"), in any case.
var ReloginWords = []string{"log in", "login", "re-authenticate"}
