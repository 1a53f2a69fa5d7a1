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
// # The rules, as Resolve applies them
//
//   - R1–R3 (configuration): the chain is read once per start-up and the same
//     list serves the walk and the hand-off; an entry is a mapping
//     {provider, model?, base_url?} or the shorthand "provider/model" split at
//     the first slash; a malformed entry is never dropped: [ParseConfig]
//     rejects it with a [ConfigError] naming its index, field and value.
//   - R4: the primary is resolved first; on success the landed index is -1,
//     the model is the primary's and the whole chain is handed on.
//   - R5: only an AuthError from the primary starts a fallback; any other
//     error propagates unchanged.
//   - R6: a pinned start-up surfaces the primary's AuthError verbatim; a pin
//     replaces the primary (the harness builds the Request so).
//   - R7: a rate-limited primary (code "codex_rate_limited", no re-login) is
//     surfaced verbatim: walking would burn every provider's quota. Every
//     surfaced rate limit is shown as one (the surfaces' business).
//   - R8: with an empty chain the primary's AuthError is surfaced verbatim.
//   - R9: otherwise entries are resolved in order, each at most once, with
//     their own provider, model and base URL; the first to resolve wins.
//   - R10: the effective model is the landed entry's, else the primary's.
//   - R11: an AuthError from an entry moves on; any other error stops the
//     walk and propagates.
//   - R12: an entry equal to the failed primary is resolved once more.
//   - R13: when every entry fails, the last attempted entry's error surfaces.
//   - R14: the runtime is handed exactly the entries after the landed one.
//   - R18: [Walk] is the runtime walk along them when the landed runtime
//     fails: remaining[0] first, any failure moves on, never back.
//
// A profile also says how the chain is read ([Profile.ReadChain]): upstream
// drops model-less entries and collapses identical ones.
//
// A [Profile] changes some of these decisions (see CONTRACT.md, "Profiles");
// the algorithm exists once, and the trace names the rule or profile that
// decided each step. The surfaced error is always the very error value a
// resolve returned, so "verbatim" can be checked by identity.
//
// The package is pure: it performs no I/O, reads no clock and starts no
// goroutines. Whatever talks to a provider is handed in as a [ResolveFunc], so
// the same algorithm serves as the reference model that the harness compares
// every subject against, and as the start-up logic of the reference surfaces.
package resolver
