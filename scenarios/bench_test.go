package scenarios

import (
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/exec"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/reference"
)

// The benchmarks measure the gate as `fallbackgate run` uses it:
//
//	go test -run='^$' -bench=. -benchtime=3x ./scenarios
//
// BenchmarkExecCase/gate against BenchmarkBareSpawn is the harness's cost
// per exec case over spawning the subject at all (target: at most 1.5×).

// benchBin is the fallbackgate binary the benchmarks run, built once per
// test binary and removed by TestMain.
var benchBin struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchBin.dir != "" {
		os.RemoveAll(benchBin.dir)
	}
	os.Exit(code)
}

// fallbackgateBinary builds the fallbackgate command once and returns its
// path. The Ginkgo suite builds its own with gexec in
// SynchronizedBeforeSuite; benchmarks run without the suite.
func fallbackgateBinary(b *testing.B) string {
	b.Helper()
	benchBin.once.Do(func() {
		if benchBin.dir, benchBin.err = os.MkdirTemp("", "fallbackgate-bench-*"); benchBin.err != nil {
			return
		}
		benchBin.path = filepath.Join(benchBin.dir, "fallbackgate")
		out, err := osexec.Command("go", "build", "-o", benchBin.path, "github.com/fallbackgate/fallbackgate/cmd/fallbackgate").CombinedOutput()
		if err != nil {
			benchBin.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if benchBin.err != nil {
		b.Fatal(benchBin.err)
	}
	return benchBin.path
}

// benchExecSubject opens the reference subject binary over exec, as
// `fallbackgate run` does without --subject. It is closed when b ends.
func benchExecSubject(b *testing.B) *harness.Subject {
	b.Helper()
	sub, err := exec.Subject(referenceManifest(fallbackgateBinary(b), "strict"), "", execOptions()...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := sub.Close(); err != nil {
			b.Errorf("closing the subject: %v", err)
		}
	})
	return sub
}

// benchGate runs the gate once per iteration and fails the benchmark on
// any violation: a fast gate that judges wrongly measures nothing.
func benchGate(b *testing.B, sub *harness.Subject, scs []harness.Scenario, surfaces []string, parallel int, hooks gate.Hooks) {
	b.Helper()
	cases := 0
	for b.Loop() {
		rep, err := gate.Run(context.Background(), gate.Config{Subject: sub, Scenarios: scs,
			Surfaces: surfaces, Seed: int64(cases), Parallel: parallel, Hooks: hooks})
		if err != nil {
			b.Fatal(err)
		}
		if p, f, _ := counts(rep); f > 0 {
			b.Fatalf("%d passed, %d failed (seed %d)", p, f, rep.Seed)
		}
		cases += len(rep.Results)
	}
	b.ReportMetric(float64(cases)/b.Elapsed().Seconds(), "cases/s")
}

// BenchmarkGateInProcess is the full 9×3 gate on the in-process reference
// subject, per op.
func BenchmarkGateInProcess(b *testing.B) {
	sub := reference.Subject("reference", reference.Options{RequestTimeout: gate.PropRequestTimeout})
	b.Cleanup(func() { sub.Close() })
	benchGate(b, sub, All(), nil, 4, gate.InProcess(nil))
}

// BenchmarkGateInProcessLoopback is the in-process reference with its
// fakes on loopback, as the gate's default hooks run it.
func BenchmarkGateInProcessLoopback(b *testing.B) {
	sub := reference.Subject("reference", reference.Options{})
	b.Cleanup(func() { sub.Close() })
	benchGate(b, sub, All(), nil, 4, gate.Hooks{})
}

// BenchmarkGateExec is the full 9×3 gate on the reference subject binary
// over exec, per op, with the CLI's default parallelism.
func BenchmarkGateExec(b *testing.B) {
	benchGate(b, benchExecSubject(b), All(), nil, 4, gate.Hooks{})
}

// BenchmarkExecCase is one oneshot case (SF-1, with the hand-off check) on
// the reference subject binary: "gate" is the whole case as the runner
// judges it (model, fakes on loopback, case folder, spawn, events,
// checker); "surface" is the exec surface's Start alone against fakes
// already serving.
func BenchmarkExecCase(b *testing.B) {
	sc, err := Select([]string{"SF-1"})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("gate", func(b *testing.B) {
		benchGate(b, benchExecSubject(b), sc, []string{harness.Oneshot}, 1, gate.Hooks{})
	})
	b.Run("surface", func(b *testing.B) {
		surf := benchExecSubject(b).Surfaces[harness.Oneshot]
		fleet, err := newFleet(sc[0], 1)
		if err != nil {
			b.Fatal(err)
		}
		defer fleet.Close()
		srv, err := fleet.ServeLoopback("")
		if err != nil {
			b.Fatal(err)
		}
		c := sc[0].Case(harness.Oneshot, srv.BaseURLs())
		for b.Loop() {
			out, err := surf.Start(context.Background(), c)
			if err != nil || out.ExitCode != 0 || out.Failure != "" {
				b.Fatalf("oneshot: exit %d, %v, %s", out.ExitCode, err, out.Failure)
			}
		}
	})
}

// BenchmarkBareSpawn spawns the same binary doing `fallbackgate version`:
// the floor any exec case pays.
func BenchmarkBareSpawn(b *testing.B) {
	bin := fallbackgateBinary(b)
	for b.Loop() {
		if out, err := osexec.Command(bin, "version").Output(); err != nil || len(out) == 0 {
			b.Fatalf("fallbackgate version: %v, %q", err, out)
		}
	}
}

// BenchmarkGatewayTurns64 keeps 64 sessions in flight on the reference
// subject's exec gateway: each op is 64 concurrent turns (SF-2: a
// fallback, then the answer), against one set of fakes on loopback.
func BenchmarkGatewayTurns64(b *testing.B) {
	const sessions = 64
	sc, err := Select([]string{"SF-2"})
	if err != nil {
		b.Fatal(err)
	}
	surf := benchExecSubject(b).Surfaces[harness.Gateway]
	if o, ok := surf.(interface{ Open() error }); ok {
		if err := o.Open(); err != nil {
			b.Fatal(err)
		}
	}
	fleet, err := newFleet(sc[0], 1)
	if err != nil {
		b.Fatal(err)
	}
	defer fleet.Close()
	srv, err := fleet.ServeLoopback("")
	if err != nil {
		b.Fatal(err)
	}
	c := sc[0].Case(harness.Gateway, srv.BaseURLs())
	turns := 0
	var (
		mu     sync.Mutex
		failed []string
	)
	for b.Loop() {
		var wg sync.WaitGroup
		for range sessions {
			wg.Go(func() {
				out, err := surf.Start(context.Background(), c)
				if err != nil || out.Failure != "" || out.Reply == nil || !out.Reply.OK {
					mu.Lock()
					failed = append(failed, fmt.Sprintf("%v %s %+v", err, out.Failure, out.Reply))
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(failed) > 0 {
			b.Fatalf("%d of %d turns failed, e.g. %s", len(failed), sessions, failed[0])
		}
		turns += sessions
	}
	b.ReportMetric(float64(turns)/b.Elapsed().Seconds(), "turns/s")
	b.ReportMetric(float64(b.Elapsed())/float64(turns)/float64(time.Millisecond), "ms/turn")
}

// newFleet starts the scenario's fake providers, each with its fault plan,
// seeded by seed, on the real clock. The caller must Close the fleet.
func newFleet(sc harness.Scenario, seed int64) (*fakes.Fleet, error) {
	specs, err := sc.FakeProviders()
	if err != nil {
		return nil, err
	}
	return fakes.NewFleet(fakes.Config{Providers: specs, Seed: seed})
}
