package scenarios

import (
	"fmt"

	"github.com/google/go-cmp/cmp"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/exec"
	"github.com/fallbackgate/fallbackgate/harness/reference"
)

var _ = Describe("The gate on the reference subject", func() {
	Describe("in-process", labelInProcess, func() {
		var subject *harness.Subject

		BeforeEach(func() {
			subject = reference.Subject("reference", reference.Options{})
			DeferCleanup(subject.Close)
		})

		DescribeTable("passes every case",
			func(ctx SpecContext, sc harness.Scenario, surface string) {
				res := runOne(ctx, subject, sc, surface)
				Expect(res.Violations).To(BeEmpty(), explain(res))
				Expect(res.Status).To(Equal(harness.StatusPass), explain(res))
			},
			gridEntries(),
		)
	})

	Describe("over exec", labelExec, func() {
		var subject *harness.Subject

		BeforeEach(func() {
			var err error
			subject, err = exec.Subject(referenceManifest(fallbackgateBin, "strict"), "", execOptions()...)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(subject.Close)
		})

		DescribeTable("passes every case",
			func(ctx SpecContext, sc harness.Scenario, surface string) {
				res := runOne(ctx, subject, sc, surface)
				Expect(res.Violations).To(BeEmpty(), explain(res))
				Expect(res.Status).To(Equal(harness.StatusPass), explain(res))
			},
			gridEntries(),
		)
	})
})

// The gate has teeth: the reference binary behaving as the upstream profile
// (walk everything) while its manifest claims strict must fail exactly the
// scenarios where upstream and strict differ, each citing the rule that
// separates them, and pass the others.
var _ = Describe("The gate on a subject that breaks its claimed profile", labelExec, func() {
	var subject *harness.Subject

	BeforeEach(func() {
		var err error
		subject, err = exec.Subject(referenceManifest(fallbackgateBin, "upstream"), "", execOptions()...)
		Expect(err).NotTo(HaveOccurred())
		Expect(subject.Profile.Name).To(Equal("strict"), "the manifest must claim strict")
		DeferCleanup(subject.Close)
	})

	It("fails exactly the scenarios whose upstream expectation differs from strict", labelAllSurfaces, func(ctx SpecContext) {
		differs := map[string]bool{}
		for _, sc := range All() {
			differs[sc.ID] = !cmp.Equal(sc.ExpectationFor("upstream"), sc.Expect, expectationOpts)
		}
		Expect(differs).To(ContainElement(BeFalse()), "no scenario behaves alike under both profiles")
		rep := runGate(ctx, subject, All(), 4)
		for _, res := range rep.Results {
			want := harness.StatusPass
			if differs[res.Scenario] {
				want = harness.StatusFail
			}
			Expect(res.Status).To(Equal(want), explain(res))
		}
	}, SpecTimeout(gateTimeout))

	DescribeTable("fails the case, citing the rule",
		func(ctx SpecContext, id, rule, surface string) {
			sc, err := Select([]string{id})
			Expect(err).NotTo(HaveOccurred())
			res := runOne(ctx, subject, sc[0], surface)
			Expect(res.Status).To(Equal(harness.StatusFail), explain(res))
			Expect(res.Violations.Rules()).To(ContainElement(rule), explain(res))
			// Not vacuous: the subject really decided otherwise than the
			// model, on what the fakes really served.
			Expect(res.Observed).NotTo(Equal(res.Expected), explain(res))
			if id == "SF-8" {
				Expect(res.Ledger).To(ContainElement(HaveField("Status", 429)), "SF-8 served no 429\n%s", explain(res)())
			}
		},
		brokenEntries(),
	)
})

// brokenEntries pairs each scenario where upstream differs from strict with
// the rule the gate must cite, on every surface.
func brokenEntries() []TableEntry {
	rows := []struct{ id, rule, why string }{
		{"SF-7", "R6", "pinned, but walks the chain"},
		{"SF-8", "R7", "rate-limited, but walks the chain"},
		{"SF-4", "R13", "all fail, but surfaces the primary's error"},
		{"SF-2", "R14", "hands off the whole chain"},
	}
	var out []TableEntry
	for _, r := range rows {
		for _, surf := range harness.Surfaces {
			out = append(out, Entry(fmt.Sprintf("%s on %s: %s (%s)", r.id, surf, r.why, r.rule), r.id, r.rule, surf,
				surfaceLabels[surf], scenarioLabels[r.id], SpecTimeout(caseTimeout)))
		}
	}
	return out
}
