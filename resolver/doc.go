// Package resolver is the startup fallback contract of fallbackgate, as code.
//
// It owns the vocabulary of CONTRACT.md: an [Entry] of a fallback [Chain], the
// [AuthError] a provider answers when its credentials fail, the classification
// of every error into auth failure, rate limit or other ([Classify],
// [IsRateLimited]), chain loading with rules R1–R3 ([ParseConfig]), the
// profiles that name deliberate differences from the contract ([Strict],
// [Upstream], [ClosedMissing]), and [Resolve], which implements R4–R14 and
// returns a [Decision] with a trace of every attempt and the rule that decided
// the next step.
//
// The package is pure: it performs no I/O, reads no clock and starts no
// goroutines. Whatever talks to a provider is handed in as a [ResolveFunc], so
// the same algorithm serves as the reference model that the harness compares
// every subject against, and as the start-up logic of the reference surfaces.
package resolver
