package exec

import (
	"fmt"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Subject returns the subject a manifest describes, each surface it
// implements run through an exec Surface with opts. repro is how a
// command line names the subject (harness.Subject.Repro). The caller must
// Close it.
func Subject(m *Manifest, repro string, opts ...Option) (*harness.Subject, error) {
	profile, err := resolver.ProfileByName(m.Profile)
	if err != nil {
		return nil, fmt.Errorf("%s: profile: %w", m.Path, err)
	}
	s := &harness.Subject{Name: m.Name, Profile: profile, Capabilities: m.Capabilities, Surfaces: map[string]harness.Surface{}, Repro: repro}
	for _, name := range harness.Surfaces {
		if !m.Implements(name) {
			continue
		}
		surf, err := m.Surface(name, opts...)
		if err != nil {
			return nil, err
		}
		s.Surfaces[name] = surf
	}
	return s, nil
}
