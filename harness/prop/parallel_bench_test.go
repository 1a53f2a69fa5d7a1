package prop_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	hexec "github.com/fallbackgate/fallbackgate/harness/exec"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// The exec property target of issue 14: prop cases/s against a subject
// process at --parallel 1 and at one per core, beside a bare start of the
// same subject (its argv without a case: it exits at once with bad usage).
// The target is cases/s ≥ 0.8 × min(N, cores) / (bare start-up time);
// compare BenchmarkPropParallel's cases/s with BenchmarkSubjectBare's
// starts/s from one run.

// benchSubjects are the subjects of the exec benchmarks: the Python
// example, and the reference (this test binary acting as it).
func benchSubjects(b *testing.B) map[string]*hexec.Manifest {
	b.Helper()
	py, err := hexec.LoadManifest("../../examples/python-subject/subject.yaml")
	if err != nil {
		b.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	ref := &hexec.Manifest{Name: "reference-exec", Profile: "strict", Capabilities: []string{harness.CapabilityRuntimeFallback},
		Surfaces: map[string][]string{harness.Oneshot: {exe}}, Env: map[string]string{envPropSubject: harness.Oneshot}}
	return map[string]*hexec.Manifest{"python": py, "reference": ref}
}

// BenchmarkPropParallel runs property cases on the oneshot surface of each
// subject over exec, --parallel 1 and one per core: cases/s.
func BenchmarkPropParallel(b *testing.B) {
	for _, name := range []string{"python", "reference"} {
		m := benchSubjects(b)[name]
		for _, n := range []int{1, runtime.NumCPU()} {
			b.Run(fmt.Sprintf("%s/N=%d", name, n), func(b *testing.B) {
				strict := resolver.Strict
				target := prop.Target{Name: m.Name, Profile: &strict, Open: func(resolver.Profile) (*harness.Subject, error) {
					return hexec.Subject(m, "")
				}}
				const checks = 8
				cases := 0
				for b.Loop() {
					rep, err := prop.Run(context.Background(), prop.Config{Target: target, Surfaces: []string{harness.Oneshot},
						Checks: checks * n, Seed: 1, Parallel: n})
					if err != nil || rep.Failure != nil {
						b.Fatalf("%v, failure %v", err, rep.Failure != nil)
					}
					cases += rep.Cases
				}
				b.ReportMetric(float64(cases)/b.Elapsed().Seconds(), "cases/s")
			})
		}
	}
}

// BenchmarkSubjectBare starts each subject's oneshot argv with no case, as
// the harness starts it (its folder, no case file), and waits for it:
// starts/s, the subject's bare start-up.
func BenchmarkSubjectBare(b *testing.B) {
	for _, name := range []string{"python", "reference"} {
		m := benchSubjects(b)[name]
		b.Run(name, func(b *testing.B) {
			argv := m.Surfaces[harness.Oneshot]
			for b.Loop() {
				cmd := exec.Command(argv[0], argv[1:]...)
				cmd.Dir = m.Dir
				for k, v := range m.Env {
					cmd.Env = append(cmd.Env, k+"="+v)
				}
				cmd.Env = append(cmd.Env, "PATH="+os.Getenv("PATH"))
				_ = cmd.Run() // exits 2: no case
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "starts/s")
		})
	}
}
