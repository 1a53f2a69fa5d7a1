package harness_test

import (
	"context"
	"os"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// benchCases draws b.N cases up front, so that only running them is timed.
func benchCases(b *testing.B, n int) []harness.Generated {
	gen := harness.Gen(harness.GenOptions{})
	out := make([]harness.Generated, n)
	for i := range out {
		out[i] = gen.Example(i)
	}
	return out
}

// BenchmarkPropModel is one generated case through the reference model
// alone (Predict on an in-process fleet): cases/s on the model.
func BenchmarkPropModel(b *testing.B) {
	cases := benchCases(b, 1024)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		g := cases[i%len(cases)]
		i++
		if _, err := harness.PredictWith(ctx, g.Scenario, g.Profile, 1, harness.PredictOptions{RequestTimeout: harness.PropRequestTimeout}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
}

// BenchmarkPropInProcess is one generated case, predicted and judged, on
// each in-process reference surface: cases/s per surface.
func BenchmarkPropInProcess(b *testing.B) {
	cases := benchCases(b, 1024)
	for _, surf := range harness.Surfaces {
		b.Run(surf, func(b *testing.B) {
			ctx := context.Background()
			i := 0
			for b.Loop() {
				g := cases[i%len(cases)]
				i++
				o, err := harness.RunGenerated(ctx, harness.ReferenceTarget{}, g, []string{surf}, 1)
				if err != nil {
					b.Fatal(err)
				}
				if len(o.Failed()) > 0 {
					b.Fatalf("reference failed: %v", o.Failed()[0].Violations)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
		})
	}
}

// BenchmarkPropExec is one generated case on the reference subject over
// exec (this test binary), per surface; compare with BenchmarkSpawnBare.
func BenchmarkPropExec(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cases := benchCases(b, 1024)
	for _, surf := range harness.Surfaces {
		b.Run(surf, func(b *testing.B) {
			m := &harness.Manifest{Name: "reference-exec", Profile: "strict", Capabilities: []string{harness.CapabilityRuntimeFallback},
				Surfaces: map[string][]string{surf: {exe}}, Env: map[string]string{envPropSubject: surf}}
			target, err := harness.NewSubjectTarget(func() (*harness.Subject, error) {
				s, err := m.Surface(surf)
				if err != nil {
					return nil, err
				}
				return &harness.Subject{Name: m.Name, Profile: resolver.Strict, Capabilities: m.Capabilities, Surfaces: map[string]harness.Surface{surf: s}}, nil
			})
			if err != nil {
				b.Fatal(err)
			}
			defer target.Close()
			ctx := context.Background()
			i := 0
			for b.Loop() {
				g := cases[i%len(cases)]
				g.Profile = resolver.Strict
				i++
				if _, err := harness.RunGenerated(ctx, target, g, []string{surf}, 1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
		})
	}
}

// BenchmarkChaosInProcess is chaos turns through the in-process gateway
// with 64 sessions: turns/s (each turn is 64 concurrent start-ups).
func BenchmarkChaosInProcess(b *testing.B) {
	for b.Loop() {
		if _, err := harness.Chaos(context.Background(), harness.ChaosConfig{Surface: harness.Gateway, Sessions: 64, Turns: 10, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(10*b.N)/b.Elapsed().Seconds(), "turns/s")
	b.ReportMetric(float64(640*b.N)/b.Elapsed().Seconds(), "startups/s")
}
