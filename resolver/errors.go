package resolver

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// RateLimitCode is the AuthError code that, with ReloginRequired false, marks a
// rate limit (a 429 or quota wall) rather than an auth failure.
const RateLimitCode = "codex_rate_limited"

// AuthError is a credential failure reported by a provider while resolving an
// entry: an expired, revoked or missing token, a logged-out account, a rate
// limit. Use [errors.As] to find one in a wrapped error, and [IsRateLimited]
// to tell a rate limit from an auth failure.
type AuthError struct {
	Provider        string
	Code            string
	ReloginRequired bool
	// RetryAfter is how long the provider asked the caller to wait; zero when
	// it gave no hint.
	RetryAfter time.Duration
	Message    string
}

// Error reports the provider, the message and the code.
func (e *AuthError) Error() string {
	if e == nil {
		return "<nil *resolver.AuthError>"
	}
	return fmt.Sprintf("%s: %s (%s)", e.Provider, e.Message, e.Code)
}

// RateLimited reports whether e is a rate limit: code "codex_rate_limited"
// with no re-login required.
func (e *AuthError) RateLimited() bool {
	return e != nil && e.Code == RateLimitCode && !e.ReloginRequired
}

// MissingCredential reports whether e says the credential was never
// configured: a code ending in "_auth_missing", "missing_api_key" or
// "not_logged_in". The closed-missing profile does not walk the chain for it.
func (e *AuthError) MissingCredential() bool {
	if e == nil {
		return false
	}
	for _, suffix := range []string{"_auth_missing", "missing_api_key", "not_logged_in"} {
		if strings.HasSuffix(e.Code, suffix) {
			return true
		}
	}
	return false
}

// IsRateLimited reports whether err is, or wraps, an [AuthError] that is rate
// limited.
func IsRateLimited(err error) bool {
	return asAuthError(err).RateLimited()
}

// Class is what kind of failure an error is, for the contract.
type Class int

// The classes of [Classify].
const (
	// ClassNone is the class of a nil error.
	ClassNone Class = iota
	// ClassAuth is an AuthError that is not a rate limit.
	ClassAuth
	// ClassRateLimited is an AuthError that is a rate limit.
	ClassRateLimited
	// ClassOther is every error that is not an AuthError; it is never a
	// reason to fall back (R5).
	ClassOther
)

// String returns "none", "auth", "rate_limit" or "other", the words the
// protocol uses for a gateway reply's class.
func (c Class) String() string {
	switch c {
	case ClassNone:
		return "none"
	case ClassAuth:
		return "auth"
	case ClassRateLimited:
		return "rate_limit"
	case ClassOther:
		return "other"
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// Classify tells what kind of failure err is. A nil error is [ClassNone]. A
// nil *AuthError stored in a non-nil error (a bug in the ResolveFunc) carries
// no provider or code, so it is [ClassOther]: it propagates (R5) rather than
// starting a walk or crashing the start-up (R17).
func Classify(err error) Class {
	if err == nil {
		return ClassNone
	}
	ae := asAuthError(err)
	if ae == nil {
		return ClassOther
	}
	if ae.RateLimited() {
		return ClassRateLimited
	}
	return ClassAuth
}

// asAuthError returns the AuthError in err's chain, or nil. A nil
// *AuthError in the chain counts as none.
func asAuthError(err error) *AuthError {
	if ae, ok := err.(*AuthError); ok { // the common case, without errors.As's allocation
		return ae
	}
	var ae *AuthError
	if errors.As(err, &ae) && ae != nil {
		return ae
	}
	return nil
}
