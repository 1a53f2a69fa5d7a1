package prop_test

import (
	"context"
	"os"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/exec"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/model"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// benchCases draws n cases of a run seeded 1 up front, so that only running
// them is timed.
func benchCases(n int) []prop.Generated {
	gen := prop.Gen(prop.GenOptions{})
	out := make([]prop.Generated, n)
	for i := range out {
		out[i] = prop.Draw(gen, 1, i)
	}
	return out
}

// BenchmarkPropDraw is drawing one case of a run (prop.Draw): cases/s of
// the generator alone.
func BenchmarkPropDraw(b *testing.B) {
	gen := prop.Gen(prop.GenOptions{Hang: true, Until: true})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		prop.Draw(gen, 1, i)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
}

// BenchmarkPropModel is one generated case through the model alone
// (model.Predict on an in-process fleet): cases/s on the model.
func BenchmarkPropModel(b *testing.B) {
	cases := benchCases(1024)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		g := cases[i%len(cases)]
		i++
		if _, err := model.Predict(ctx, g.Scenario, g.Profile, 1, model.Options{RequestTimeout: gate.PropRequestTimeout, CutHangs: true}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
}

// BenchmarkPropInProcess is one generated case, predicted and judged, on
// each in-process reference surface: cases/s per surface.
func BenchmarkPropInProcess(b *testing.B) {
	cases := benchCases(1024)
	target := inProcess("reference", reference.Options{}, nil)
	for _, surf := range harness.Surfaces {
		b.Run(surf, func(b *testing.B) {
			ctx := context.Background()
			i := 0
			for b.Loop() {
				g := cases[i%len(cases)]
				i++
				o, err := runGenerated(ctx, target, g, []string{surf}, 1)
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

// BenchmarkPropRun is a whole property run of 100 cases on the in-process
// reference (draw, predict, run every surface, judge): cases/s.
func BenchmarkPropRun(b *testing.B) {
	target := inProcess("reference", reference.Options{}, nil)
	for b.Loop() {
		rep, err := prop.Run(context.Background(), prop.Config{Target: target, Checks: 100, Seed: 1})
		if err != nil || rep.Failure != nil {
			b.Fatalf("%v, failure %v", err, rep.Failure != nil)
		}
	}
	b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "cases/s")
}

// BenchmarkPropExec is one generated case on the reference subject over
// exec (this test binary), per surface, one subject kept from case to
// case; compare with BenchmarkBareSpawn in scenarios.
func BenchmarkPropExec(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cases := benchCases(1024)
	for _, surf := range harness.Surfaces {
		b.Run(surf, func(b *testing.B) {
			m := &exec.Manifest{Name: "reference-exec", Profile: "strict", Capabilities: []string{harness.CapabilityRuntimeFallback},
				Surfaces: map[string][]string{surf: {exe}}, Env: map[string]string{envPropSubject: surf}}
			sub, err := exec.Subject(m, "")
			if err != nil {
				b.Fatal(err)
			}
			defer sub.Close()
			ctx := context.Background()
			i := 0
			for b.Loop() {
				g := cases[i%len(cases)]
				g.Profile = resolver.Strict
				i++
				p, err := gate.Prepare(ctx, gate.Setup{Subject: sub, Scenario: g.Scenario, Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := p.Run(ctx, surf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
		})
	}
}

// BenchmarkPropInProcessRouted is BenchmarkPropInProcess with every case's
// fakes behind one gate.Router: one in-process gateway serves case after
// case, as a gateway process does, instead of one started and stopped per
// case.
func BenchmarkPropInProcessRouted(b *testing.B) {
	cases := benchCases(1024)
	for _, surf := range harness.Surfaces {
		b.Run(surf, func(b *testing.B) {
			rt := gate.NewRouter()
			defer rt.Close()
			subs := map[string]*harness.Subject{}
			hooks := gate.Hooks{Transport: rt.Transport(""), CutHangs: true, RequestTimeout: gate.PropRequestTimeout}
			ctx := context.Background()
			i := 0
			for b.Loop() {
				g := cases[i%len(cases)]
				i++
				sub := subs[g.Profile.Name]
				if sub == nil {
					sub = reference.Subject("reference", reference.Options{Profile: g.Profile, RequestTimeout: gate.PropRequestTimeout})
					subs[g.Profile.Name] = sub
				}
				p, err := gate.Prepare(ctx, gate.Setup{Subject: sub, Scenario: g.Scenario, Seed: 1, Hooks: hooks})
				if err != nil {
					b.Fatal(err)
				}
				res, err := p.Run(ctx, surf)
				if err != nil {
					b.Fatal(err)
				}
				if res.Failed() {
					b.Fatalf("reference failed: %v", res.Violations)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
		})
	}
}
