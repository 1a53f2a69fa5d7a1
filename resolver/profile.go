package resolver

import (
	"fmt"
	"strings"
)

// Profile names a set of deliberate differences from the contract, so that a
// subject can be checked against what it claims. Every field is a decision
// [Resolve] consults; the algorithm itself exists once. The zero value is not
// a valid profile: start from [Strict].
type Profile struct {
	// Name is how manifests, reports and flags spell the profile.
	Name string
	// Summary is one line for listings.
	Summary string
	// WalkWhenPinned walks the chain although the start-up is pinned (R6).
	WalkWhenPinned bool
	// WalkOnRateLimit walks the chain after a rate-limited primary (R7).
	WalkOnRateLimit bool
	// WalkOnMissingCredential walks the chain when the primary's AuthError
	// says its credential was never configured.
	WalkOnMissingCredential bool
	// SkipEntryOnOtherError moves on to the next entry when an entry fails
	// with an error that is not an AuthError, instead of stopping (R11).
	SkipEntryOnOtherError bool
	// DropEntryWithoutModel drops the entries that name no model when the
	// chain is read (ReadChain): they are never resolved and never handed
	// on.
	DropEntryWithoutModel bool
	// CollapseIdentical collapses identical entries (same provider, model
	// and base URL) when the chain is read (ReadChain), keeping the first.
	CollapseIdentical bool
	// SurfacePrimaryWhenAllFail surfaces the primary's error, not the last
	// entry's, when every attempt failed (R13).
	SurfacePrimaryWhenAllFail bool
	// HandOffWholeChain hands the runtime the whole chain instead of the
	// entries after the landed one (R14).
	HandOffWholeChain bool
}

// The profiles of CONTRACT.md.
var (
	// Strict is the contract as written, and the default.
	Strict = Profile{
		Name:                    "strict",
		Summary:                 "the contract as written (default)",
		WalkOnMissingCredential: true,
	}
	// Upstream is the walk-everything variant seen in the wild.
	Upstream = Profile{
		Name:                      "upstream",
		Summary:                   "walk-everything variant seen in the wild",
		WalkWhenPinned:            true,
		WalkOnRateLimit:           true,
		WalkOnMissingCredential:   true,
		SkipEntryOnOtherError:     true,
		DropEntryWithoutModel:     true,
		CollapseIdentical:         true,
		SurfacePrimaryWhenAllFail: true,
		HandOffWholeChain:         true,
	}
	// ClosedMissing is strict, except that a primary whose credential was
	// never configured fails closed instead of walking.
	ClosedMissing = Profile{
		Name:    "closed-missing",
		Summary: "strict, but a never-configured credential fails closed",
	}
)

// Profiles returns every known profile, [Strict] first.
func Profiles() []Profile { return []Profile{Strict, Upstream, ClosedMissing} }

// ProfileByName returns the profile called name; the empty name is [Strict].
func ProfileByName(name string) (Profile, error) {
	if name == "" {
		return Strict, nil
	}
	var names []string
	for _, p := range Profiles() {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Profile{}, fmt.Errorf("unknown profile %q (known: %s)", name, strings.Join(names, ", "))
}

// String returns the profile's name.
func (p Profile) String() string { return p.Name }

// ReadChain returns the chain as a start-up under p reads it (CONTRACT.md,
// "Profiles"): strict and closed-missing read every entry as written;
// upstream drops the entries without a model and collapses identical
// entries (provider, model and base URL), keeping the first. An entry
// written as a shorthand string is an entry like any other (R2/R3): no
// profile drops it for its form. ReadChain is idempotent, and returns c
// itself when it drops nothing.
func (p Profile) ReadChain(c Chain) Chain {
	if !p.DropEntryWithoutModel && !p.CollapseIdentical {
		return c
	}
	var out Chain
	seen := map[Entry]bool{}
	for i, e := range c {
		drop := (p.DropEntryWithoutModel && e.Model == "") || (p.CollapseIdentical && seen[e])
		if drop && out == nil {
			out = c[:i].Clone()
		}
		if !drop && out != nil {
			out = append(out, e)
		}
		seen[e] = true
	}
	if out == nil {
		return c
	}
	return out
}
