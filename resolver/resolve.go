package resolver

import "fmt"

// Secret holds an API key or token. It prints, formats and marshals as
// "[redacted]" so that it cannot reach output, events or reports by accident
// (R16); call Reveal where the value itself is needed, as in an
// Authorization header.
//
// The value is held masked: when fmt reports a verb that does not apply
// (%p on a Runtime), it prints fields without consulting their methods, and
// then shows bytes that all have the high bit set, never the value or any
// ASCII part of it. The mask keeps secrets comparable (a Runtime still
// works with ==); it hides from accidents, not from an attacker. The zero
// Secret is empty; NewSecret makes one, and JSON or text decodes into one.
type Secret struct{ masked string }

// NewSecret returns a Secret holding v.
func NewSecret(v string) Secret { return Secret{mask(v)} }

// secretMask is XORed over a secret's bytes; every byte has the high bit
// set, so no masked byte is ASCII where the value's was.
var secretMask = [...]byte{0xa5, 0xc3, 0x96, 0xe1, 0xb7, 0x8d, 0xf2, 0x9b, 0xd4, 0x86, 0xeb, 0xbe, 0x91, 0xcf, 0xa8, 0xfd}

// mask XORs s with secretMask; it is its own inverse.
func mask(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] ^= secretMask[i%len(secretMask)]
	}
	return string(b)
}

// Redacted is what a Secret prints as.
const Redacted = "[redacted]"

// String returns [Redacted].
func (Secret) String() string { return Redacted }

// GoString returns [Redacted] quoted, for %#v.
func (Secret) GoString() string { return `"` + Redacted + `"` }

// Format writes [Redacted] for every verb, honouring width and flags. Without
// it, a verb that is not valid for a string (%d, %t, ...) would make fmt print
// the value itself, since fmt skips String when it reports a bad verb.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, s.GoString())
	case verb == 'q':
		fmt.Fprintf(f, fmt.FormatString(f, 'q'), Redacted)
	default:
		fmt.Fprintf(f, fmt.FormatString(f, 's'), Redacted)
	}
}

// MarshalText returns [Redacted], so JSON and YAML never carry the value.
func (Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// Reveal returns the secret value. The caller must not print it.
func (s Secret) Reveal() string { return mask(s.masked) }

// Equal reports whether two secrets hold the same value (go-cmp uses it).
func (s Secret) Equal(o Secret) bool { return s == o }

// UnmarshalText holds text as the secret, so that a runtime decodes from a
// provider's JSON answer.
func (s *Secret) UnmarshalText(text []byte) error {
	*s = NewSecret(string(text))
	return nil
}

// Runtime is a resolved entry: where inference goes and with what.
type Runtime struct {
	Provider string `json:"provider"`
	Model    string `json:"model"`
	BaseURL  string `json:"base_url"`
	APIKey   Secret `json:"api_key"`
}

// ResolveFunc turns an entry into a runtime. It fails with an [*AuthError]
// when the provider rejects the credentials and with any other error
// otherwise. [Resolve] calls it with the primary, then with chain entries,
// each exactly as configured.
type ResolveFunc func(Entry) (Runtime, error)

// Request is one start-up.
type Request struct {
	// Primary is the provider and model used with no failure.
	Primary Entry
	// Chain is the fallback chain, read once for this start-up (R1). Resolve
	// and Decision.Landing use it as the profile reads it
	// (Profile.ReadChain); a caller that keeps the read chain here sees the
	// same indexes.
	Chain Chain
	// Pinned is true when the caller chose the provider or model explicitly
	// (a --model or --provider argument, a session override).
	Pinned bool
	// Profile selects deliberate differences; the zero Profile means
	// [Strict].
	Profile Profile
}

// Resolution is what became of one attempt in a [Decision]'s trace.
type Resolution string

// The resolutions of an [Attempt].
const (
	ResolutionOK          Resolution = "ok"
	ResolutionAuth        Resolution = "auth"
	ResolutionRateLimited Resolution = "rate_limit"
	ResolutionOther       Resolution = "other"
)

// Attempt is one attempt of a start-up: which entry, what came of it, and the
// rule that decided what happened next.
type Attempt struct {
	// Index is -1 for the primary, else the entry's index in the chain.
	Index      int
	Entry      Entry
	Resolution Resolution
	// Err is the error the resolve returned, nil on success.
	Err error
	// Rule is the contract rule that decided the next step, e.g. "R7".
	Rule string
	// Note says in words what the rule decided.
	Note string
}

// String reads like a line of a report: "[0] openai-codex/gpt-5.5: ok; R9: ...".
func (s Attempt) String() string {
	who := "primary"
	if s.Index >= 0 {
		who = fmt.Sprintf("[%d]", s.Index)
	}
	return fmt.Sprintf("%s %s: %s; %s: %s", who, s.Entry, s.Resolution, s.Rule, s.Note)
}

// Decision is the result of a start-up.
type Decision struct {
	// Runtime is the resolved runtime; zero when the start-up failed.
	Runtime Runtime
	// Model is the effective model (R10); empty when the start-up failed.
	Model string
	// Landed is -1 when the primary resolved, else the index of the chain
	// entry that resolved; -1 too when the start-up failed.
	Landed int
	// Remaining is the chain handed to the runtime (R14); nil on failure.
	Remaining Chain
	// Trace lists every attempt in order.
	Trace []Attempt
}

// FellBack reports whether the start-up landed on a chain entry.
func (d Decision) FellBack() bool { return d.Landed >= 0 }

// Attempts counts the resolves made: every attempt of the trace is one.
func (d Decision) Attempts() int { return len(d.Trace) }

// Landing returns the entry the start-up landed on: the primary or a chain
// entry. It is meaningful only when the start-up succeeded.
func (d Decision) Landing(r Request) Entry {
	chain := r.read().Chain
	if d.Landed >= 0 && d.Landed < len(chain) {
		return chain[d.Landed]
	}
	return r.Primary
}

// read returns r with its profile filled in (Strict for the zero Profile)
// and its chain as the profile reads it.
func (r Request) read() Request {
	if r.Profile.Name == "" {
		r.Profile = Strict
	}
	r.Chain = r.Profile.ReadChain(r.Chain)
	return r
}

// Resolve performs one start-up under rules R4–R14: it resolves the primary
// and, when the primary fails with an AuthError that the profile lets it walk
// past, the chain entries in order until one resolves.
//
// On success the error is nil and the Decision holds the runtime, effective
// model, landed index and remaining chain. On failure the error is the very
// error value that the deciding resolve returned, unwrapped and unchanged,
// so callers can check that it is surfaced verbatim. The trace is filled
// either way.
func Resolve(r Request, resolve ResolveFunc) (Decision, error) {
	r = r.read()
	p := r.Profile
	d := Decision{Landed: -1}
	rt, primaryErr := resolve(r.Primary)
	step := Attempt{Index: -1, Entry: r.Primary, Resolution: resolutionOf(primaryErr), Err: primaryErr}
	if primaryErr == nil {
		step.Rule, step.Note = "R4", "primary resolved; the whole chain is handed to the runtime"
		d.Trace = append(d.Trace, step)
		d.Runtime, d.Model, d.Remaining = rt, r.Primary.Model, r.Chain.Clone()
		return d, nil
	}
	var walk bool
	step.Rule, step.Note, walk = startWalk(p, r, primaryErr)
	d.Trace = append(d.Trace, step)
	if !walk {
		return d, primaryErr
	}

	last := primaryErr
	for i, e := range r.Chain {
		rt, err := resolve(e)
		step := Attempt{Index: i, Entry: e, Resolution: resolutionOf(err), Err: err}
		switch Classify(err) {
		case ClassNone:
			model, rule10 := e.Model, "the entry's model"
			if model == "" {
				model, rule10 = r.Primary.Model, "the entry names no model, so the primary model"
			}
			remaining, rule14 := r.Chain[i+1:].Clone(), fmt.Sprintf("%d entries after it", len(r.Chain)-i-1)
			if p.HandOffWholeChain {
				remaining, rule14 = r.Chain.Clone(), "the whole chain (profile "+p.Name+")"
			}
			step.Rule = "R9"
			step.Note = fmt.Sprintf("first entry to resolve wins; R10: model %q is %s; R14: the runtime gets %s", model, rule10, rule14)
			d.Trace = append(d.Trace, step)
			d.Runtime, d.Model, d.Landed, d.Remaining = rt, model, i, remaining
			return d, nil
		case ClassOther:
			if !p.SkipEntryOnOtherError {
				step.Rule, step.Note = "R11", "entry failed with an error that is not an AuthError; the walk stops and it propagates"
				d.Trace = append(d.Trace, step)
				return d, err
			}
			step.Rule, step.Note = "R11", "entry failed with an error that is not an AuthError; the profile moves on"
		default:
			step.Rule, step.Note = "R11", "entry failed with an AuthError; the walk moves on"
		}
		d.Trace = append(d.Trace, step)
		last = err
	}
	surfaced, note := last, "every attempt failed; the last entry's error is surfaced"
	if p.SurfacePrimaryWhenAllFail {
		surfaced, note = primaryErr, "every attempt failed; the profile surfaces the primary's error"
	}
	d.Trace[len(d.Trace)-1].Rule, d.Trace[len(d.Trace)-1].Note = "R13", note
	return d, surfaced
}

// startWalk decides whether the primary's failure starts a fallback walk,
// and by which rule.
func startWalk(p Profile, r Request, err error) (rule, note string, walk bool) {
	ae := asAuthError(err)
	if ae == nil {
		return "R5", "primary failed with an error that is not an AuthError; it propagates", false
	}
	switch {
	case r.Pinned && !p.WalkWhenPinned:
		return "R6", "start-up is pinned; the primary's error is surfaced verbatim", false
	case ae.RateLimited() && !p.WalkOnRateLimit:
		return "R7", "primary rate-limited; not walking (no quota amplification)", false
	case ae.MissingCredential() && !p.WalkOnMissingCredential:
		return p.Name, "primary credential was never configured; the profile fails closed", false
	case len(r.Chain) == 0:
		return "R8", "chain is empty; the primary's error is surfaced verbatim", false
	case r.Pinned:
		return "R6", "start-up is pinned, but the profile walks the chain anyway", true
	case ae.RateLimited():
		return "R7", "primary rate-limited, but the profile walks the chain anyway", true
	}
	return "R9", "primary failed with an AuthError; walking the chain in order", true
}

func resolutionOf(err error) Resolution {
	switch Classify(err) {
	case ClassNone:
		return ResolutionOK
	case ClassAuth:
		return ResolutionAuth
	case ClassRateLimited:
		return ResolutionRateLimited
	}
	return ResolutionOther
}
