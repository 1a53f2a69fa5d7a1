package gatetest

import (
	"fmt"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/exec"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Decide is a start-up decision with resolver.Resolve's shape: given the
// request (the primary, the chain as read once, the pin and the profile)
// and a function that resolves one entry, it returns where the start-up
// landed, or the error it surfaces.
type Decide = func(resolver.Request, resolver.ResolveFunc) (resolver.Decision, error)

// Decider returns a subject named name whose three surfaces are the
// reference's (harness/reference), making their start-up decision with
// decide instead of resolver.Resolve: the way to check a Go team's own
// decision function against the contract without writing a surface. Its
// requests carry the strict profile; it runs in this process and claims
// the strict profile and the runtime-fallback capability (the reference's
// runtime walk).
func Decider(name string, decide Decide) *harness.Subject {
	return reference.Subject(name, reference.Options{Profile: resolver.Strict, Decide: decide, RequestTimeout: gate.PropRequestTimeout})
}

// Surfaces returns a subject named name made of in-process surfaces of
// your own (each a harness.Surface, which reaches the fakes at the URLs of
// its case), claiming the strict profile. Set its Profile or Capabilities
// for more.
func Surfaces(name string, surfaces ...harness.Surface) *harness.Subject {
	s := &harness.Subject{Name: name, Profile: resolver.Strict, Surfaces: map[string]harness.Surface{}}
	for _, surf := range surfaces {
		s.Surfaces[surf.Name()] = surf
	}
	return s
}

// Manifest returns the subject a manifest describes (PROTOCOL.md: any
// language, driven over exec), as fallbackgate run --subject path does.
// Run and Prop close it; otherwise the caller must.
func Manifest(path string, opts ...exec.Option) (*harness.Subject, error) {
	m, err := exec.LoadManifest(path)
	if err != nil {
		return nil, err
	}
	s, err := exec.Subject(m, "--subject "+path, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
