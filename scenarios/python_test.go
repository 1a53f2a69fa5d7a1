package scenarios

import (
	"fmt"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/exec"
	"github.com/fallbackgate/fallbackgate/harness/gate"
)

// pythonExample is the folder of the worked example subject, relative to
// this package.
const pythonExample = "../examples/python-subject"

// gateTimeout bounds one spec that runs the whole gate on a subject.
const gateTimeout = 3 * time.Minute

// The worked example in Python, and two deliberately broken copies of it:
// the gate passes the example and fails each copy exactly where it is
// broken. Each spec runs the whole gate (9 scenarios × 3 surfaces) once, so
// that parity is judged too.
var _ = Describe("The gate on the Python example", labelPython, labelAllSurfaces, func() {
	var subject *harness.Subject

	// openPython opens the subject described by the manifest at rel, under
	// the example's folder.
	openPython := func(rel string) *harness.Subject {
		GinkgoHelper()
		path := filepath.Join(pythonExample, rel)
		m, err := exec.LoadManifest(path)
		Expect(err).NotTo(HaveOccurred())
		sub, err := exec.Subject(m, "--subject "+filepath.ToSlash(filepath.Join("examples/python-subject", rel)), execOptions()...)
		Expect(err).NotTo(HaveOccurred())
		Expect(sub.Surfaces).To(HaveLen(3), "%s must implement every surface", path)
		return sub
	}

	// Python start-up is CPU-bound: more cases at once than cores only
	// queues them.
	parallel := max(2, runtime.NumCPU())

	BeforeEach(func() {
		if _, err := osexec.LookPath("python3"); err != nil {
			Skip("python3 is not on PATH, so the Python example cannot run (CI installs it): " + err.Error())
		}
	})

	Context("as written", func() {
		BeforeEach(func() {
			subject = openPython("subject.yaml")
			DeferCleanup(subject.Close)
		})

		It("passes every case on every surface, 27/27, and the surfaces agree", func(ctx SpecContext) {
			rep := runGate(ctx, subject, All(), parallel)
			passed, failed, skipped := counts(rep)
			Expect([]int{passed, failed, skipped}).To(Equal([]int{27, 0, 0}), explainReport(rep))
			Expect(rep.Parity).To(BeEmpty(), explainReport(rep))
		}, SpecTimeout(gateTimeout))

		It("passes every mutation-only scenario of scenarios/extra (contract 1.1: base URLs, R18, every surfaced rate limit, pins, a malformed 200)", func(ctx SpecContext) {
			rep := runGate(ctx, subject, Extra(), parallel)
			_, failed, _ := counts(rep)
			Expect(failed).To(BeZero(), explainReport(rep))
		}, SpecTimeout(gateTimeout))

		It("gives up on a hanging fake after the case's request_timeout_ms, a non-auth error (R5)", func(ctx SpecContext) {
			sc := Extra()[0] // MX-2's set-up, with a primary that hangs instead of a 503
			sc.ID, sc.Faults = "hang", map[string]string{"xai-oauth": "hang", "openai-codex": "ok"}
			setup := gate.Setup{Subject: subject, Scenario: sc, Seed: GinkgoRandomSeed(), Hooks: gate.Hooks{RequestTimeout: 300 * time.Millisecond}}
			res, err := gate.RunCase(ctx, setup, harness.Oneshot)
			Expect(err).NotTo(HaveOccurred())
			// The adapter's own bound without request_timeout_ms is 30s,
			// past the case's 10s: an adapter that ignored the case's bound
			// would be killed at 10s and fail with R17, so the verdict
			// alone shows it honoured it, on a machine of any speed.
			Expect(res.Status).To(Equal(harness.StatusPass), explain(res))
		}, SpecTimeout(gateTimeout))

		It("passes every saved counterexample in scenarios/regressions", func(ctx SpecContext) {
			rep := runGate(ctx, subject, Regressions(), parallel)
			_, failed, _ := counts(rep)
			Expect(failed).To(BeZero(), explainReport(rep))
		}, SpecTimeout(gateTimeout))
	})

	Context("broken to fall back on a 429", func() {
		BeforeEach(func() {
			subject = openPython("broken/falls-back-on-429/subject.yaml")
			DeferCleanup(subject.Close)
		})

		It("fails SF-8 on every surface, citing R7, and nothing else", func(ctx SpecContext) {
			rep := runGate(ctx, subject, All(), parallel)
			var failing []string
			for _, res := range rep.Results {
				if res.Status == harness.StatusPass {
					continue
				}
				failing = append(failing, res.Scenario+"/"+res.Surface)
				Expect(res.Violations.Rules()).To(ContainElement("R7"), explain(res))
				// The fallback it should not have made also shows as a
				// fallback event for a start-up that must fail (R15); no
				// other rule.
				Expect(res.Violations.Rules()).To(HaveEach(BeElementOf("R7", "R15")), explain(res))
				Expect(res.Ledger).To(ContainElement(HaveField("Status", 429)), "SF-8 served no 429\n%s", explain(res)())
			}
			Expect(failing).To(ConsistOf("SF-8/oneshot", "SF-8/gateway", "SF-8/cli"), explainReport(rep))
			Expect(rep.Parity).To(BeEmpty(), explainReport(rep))
		}, SpecTimeout(gateTimeout))
	})

	Context("broken so that its gateway dies on a failed start-up", func() {
		BeforeEach(func() {
			subject = openPython("broken/gateway-dies/subject.yaml")
			DeferCleanup(func() {
				// The dead gateway is reported again when the subject
				// closes.
				Expect(subject.Close()).To(MatchError(ContainSubstring("gateway crashed")))
			})
		})

		It("fails exactly the gateway cases that kill it, citing R17; everything else passes", func(ctx SpecContext) {
			// The gateway dies at the first start-up that fails, and takes
			// the cases in flight or still to come with it. The run
			// re-runs those alone on a fresh gateway: a case whose
			// start-up must fail kills it again and fails (R17) with a
			// reproduce command that reproduces; the others pass, in
			// whatever order the seed ran them.
			check := func(rep *gate.Report) {
				var gatewayFailed []string
				for _, res := range rep.Results {
					switch {
					case res.Surface != harness.Gateway || res.Expected.Landed != nil:
						Expect(res.Status).To(Equal(harness.StatusPass), explain(res))
					default:
						Expect(res.Status).To(Equal(harness.StatusFail), explain(res))
						Expect(res.Violations.Rules()).To(Equal([]string{"R17"}), explain(res))
						Expect(res.Violations.Error()).To(ContainSubstring("alone on a fresh gateway this case kills it again"), explain(res))
						Expect(res.Repro).To(HaveSuffix(fmt.Sprintf("--scenario %s --surface gateway --seed %d", res.Scenario, GinkgoRandomSeed())), explain(res))
						gatewayFailed = append(gatewayFailed, res.Scenario)
					}
				}
				Expect(gatewayFailed).To(ConsistOf("SF-4", "SF-5", "SF-7", "SF-8"), explainReport(rep))
			}
			check(runGate(ctx, subject, All(), parallel))

			// The first gateway is dead now and serves nothing; the
			// attribution does not depend on it.
			check(runGate(ctx, subject, All(), parallel, harness.Gateway))
		}, SpecTimeout(gateTimeout))
	})
})
