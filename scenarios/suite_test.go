package scenarios

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/exec"
	"github.com/fallbackgate/fallbackgate/harness/gate"
)

// TestScenarios runs the Ginkgo suite: the scenario × surface grid on the
// reference subject (in-process and over exec), the gate failing a broken
// subject, and the Python example. Select with labels, e.g.
//
//	go run github.com/onsi/ginkgo/v2/ginkgo --label-filter='surface:gateway' -p ./scenarios
func TestScenarios(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Scenarios Suite")
}

// Labels: every grid entry carries its surface's, its scenario's and its
// rules' labels (labels_test.go), and its container the path label of how
// the subject is driven.

// caseTimeout bounds one spec that runs one case.
const caseTimeout = time.Minute

// fallbackgateBin is the fallbackgate binary the exec specs run as the
// reference subject, built once for the whole suite (and shared by every
// parallel process).
var fallbackgateBin string

var _ = SynchronizedBeforeSuite(func() []byte {
	bin, err := gexec.Build("github.com/fallbackgate/fallbackgate/cmd/fallbackgate")
	Expect(err).NotTo(HaveOccurred(), "building the reference subject binary")
	return []byte(bin)
}, func(bin []byte) {
	fallbackgateBin = string(bin)
})

// The binary is removed by the process that built it, after every parallel
// process is done with it.
var _ = SynchronizedAfterSuite(func() {}, func() {
	gexec.CleanupBuildArtifacts()
})

// referenceManifest describes the reference subject binary behaving as
// profile behave while claiming strict, as `fallbackgate run` does without
// --subject.
func referenceManifest(bin, behave string) *exec.Manifest {
	m := &exec.Manifest{Name: "reference-exec", Profile: "strict",
		Capabilities: []string{harness.CapabilityRuntimeFallback}, Surfaces: map[string][]string{}}
	for _, surf := range harness.Surfaces {
		m.Surfaces[surf] = []string{bin, "subject", "--profile", behave, surf}
	}
	return m
}

// execOptions puts case folders where the CLI puts them: on /dev/shm when
// it is writable (a tenth of the cost of a disk-backed /tmp).
func execOptions() []exec.Option {
	if os.Getenv("TMPDIR") != "" {
		return nil
	}
	if f, err := os.CreateTemp("/dev/shm", "fallbackgate-probe-*"); err == nil {
		f.Close()
		os.Remove(f.Name())
		return []exec.Option{exec.ScratchRoot("/dev/shm")}
	}
	return nil
}

// gridEntries is the scenario × surface grid: one entry per case, labelled
// with its surface and scenario. The body gets the scenario and the
// surface.
func gridEntries() []TableEntry {
	var out []TableEntry
	for _, sc := range All() {
		for _, surf := range harness.Surfaces {
			out = append(out, Entry(fmt.Sprintf("%s %s on %s", sc.ID, sc.Name, surf), sc, surf,
				surfaceLabels[surf], scenarioLabels[sc.ID], SpecTimeout(caseTimeout)))
		}
	}
	return out
}

// runGate runs the gate on sub for the scenarios and surfaces given (all
// surfaces when none), seeded by Ginkgo's random seed, and fails the spec
// if the harness itself failed.
func runGate(ctx context.Context, sub *harness.Subject, scs []harness.Scenario, parallel int, surfaces ...string) *gate.Report {
	GinkgoHelper()
	rep, err := gate.Run(ctx, gate.Config{Subject: sub, Scenarios: scs, Surfaces: surfaces,
		Seed: GinkgoRandomSeed(), Parallel: parallel})
	Expect(err).NotTo(HaveOccurred(), "the harness itself failed (seed %d)", GinkgoRandomSeed())
	return rep
}

// runOne runs one case and returns its result, which must have been run
// (not skipped as not implemented).
func runOne(ctx context.Context, sub *harness.Subject, sc harness.Scenario, surface string) harness.Result {
	GinkgoHelper()
	rep := runGate(ctx, sub, []harness.Scenario{sc}, 1, surface)
	Expect(rep.Results).To(HaveLen(1))
	res := rep.Results[0]
	Expect(res.Status).NotTo(Equal(harness.StatusNotImplemented), "%s has no %s surface", sub.Name, surface)
	return res
}

// explain says what a result's failure was: the violations, what was
// expected and observed, the fakes' ledger, the output, and the command
// that reproduces it (STYLE 16). It is evaluated only when a matcher fails.
func explain(res harness.Result) func() string {
	return func() string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s/%s (%s) on subject %s, profile %s, seed %d: %s\n", res.Scenario, res.Surface,
			res.ScenarioName, res.Subject, res.Profile, res.Seed, res.Status)
		fmt.Fprintf(&b, "expected %s, observed %s\n", res.Expected, res.Observed)
		for _, v := range res.Violations {
			fmt.Fprintf(&b, "  %s\n", v)
		}
		o := res.Outcome
		if o.Failure != "" {
			fmt.Fprintf(&b, "failure: %s\n", o.Failure)
		}
		b.WriteString("trace (model):\n")
		for _, s := range res.Trace {
			fmt.Fprintf(&b, "  %s\n", s)
		}
		b.WriteString("ledger:\n")
		for _, c := range res.Ledger {
			fmt.Fprintf(&b, "  %s\n", c)
		}
		fmt.Fprintf(&b, "exit %d\n", o.ExitCode)
		if o.Reply != nil {
			fmt.Fprintf(&b, "reply: %+v\n", *o.Reply)
		}
		if o.Stdout != "" {
			fmt.Fprintf(&b, "stdout:\n%s\n", o.Stdout)
		}
		if o.Stderr != "" {
			fmt.Fprintf(&b, "stderr:\n%s\n", o.Stderr)
		}
		fmt.Fprintf(&b, "reproduce: %s", res.Repro)
		return b.String()
	}
}

// explainReport lists every case of a report that did not pass, and the
// parity divergences.
func explainReport(rep *gate.Report) func() string {
	return func() string {
		var b strings.Builder
		p, f, s := counts(rep)
		fmt.Fprintf(&b, "subject %s, profile %s, seed %d: %d passed, %d failed, %d skipped\n", rep.Subject, rep.Profile, rep.Seed, p, f, s)
		for _, v := range rep.Parity {
			fmt.Fprintf(&b, "%s\n", v)
		}
		for _, res := range rep.Results {
			if res.Status != harness.StatusPass {
				b.WriteString(explain(res)())
				b.WriteString("\n\n")
			}
		}
		return b.String()
	}
}

// counts counts a report's cases by their status: passed, failed (with a
// parity divergence as one failure more) and skipped (not implemented).
func counts(rep *gate.Report) (passed, failed, skipped int) {
	for _, r := range rep.Results {
		switch r.Status {
		case harness.StatusPass:
			passed++
		case harness.StatusFail:
			failed++
		default:
			skipped++
		}
	}
	return passed, failed + len(rep.Parity), skipped
}
