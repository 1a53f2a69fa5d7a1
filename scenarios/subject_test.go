package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/exec"
	"github.com/fallbackgate/fallbackgate/harness/gate"
)

// EnvSubject points the suite at a subject of your own:
//
//	FALLBACKGATE_SUBJECT=path/to/subject.yaml go run github.com/onsi/ginkgo/v2/ginkgo ./scenarios
//
// runs the scenario × surface grid on that subject (labelled path:subject,
// with the surface, scenario and rule labels of every grid entry) and
// nothing else. A relative path is read from the current folder or, since
// go test runs in the package's folder, from the repository's root.
const EnvSubject = "FALLBACKGATE_SUBJECT"

// subjectManifest is the manifest FALLBACKGATE_SUBJECT names, as a path
// this process can open; "" when it is not set.
func subjectManifest() string {
	p := os.Getenv(EnvSubject)
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return filepath.Join("..", p)
}

// With FALLBACKGATE_SUBJECT set, only its grid runs.
var _ = BeforeEach(func() {
	if os.Getenv(EnvSubject) != "" && !slices.Contains(CurrentSpecReport().Labels(), "path:subject") {
		Skip(EnvSubject + " is set: only the grid on that subject runs")
	}
})

var _ = Describe("The gate on $FALLBACKGATE_SUBJECT", labelSubject, func() {
	var subject *harness.Subject

	BeforeEach(func() {
		path := subjectManifest()
		if path == "" {
			Skip("set " + EnvSubject + "=path/to/subject.yaml to run the grid on a subject of yours")
		}
		m, err := exec.LoadManifest(path)
		Expect(err).NotTo(HaveOccurred(), "%s=%s", EnvSubject, os.Getenv(EnvSubject))
		subject, err = exec.Subject(m, "--subject "+os.Getenv(EnvSubject), execOptions()...)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(subject.Close)
	})

	DescribeTable("passes every case",
		func(ctx SpecContext, sc harness.Scenario, surface string) {
			if _, ok := subject.Surfaces[surface]; !ok {
				Skip(fmt.Sprintf("%s does not implement the %s surface", subject.Name, surface))
			}
			rep, err := gate.Run(ctx, gate.Config{Subject: subject, Scenarios: []harness.Scenario{sc}, Surfaces: []string{surface},
				Seed: GinkgoRandomSeed(), Parallel: 1})
			var ns *harness.NotStartedError
			if errors.As(err, &ns) {
				Fail(notStartedMessage(ns))
			}
			Expect(err).NotTo(HaveOccurred(), "the harness itself failed (seed %d)", GinkgoRandomSeed())
			res := rep.Results[0]
			if res.Status == harness.StatusNotImplemented {
				Skip(fmt.Sprintf("%s does not apply to the %s surface", sc.ID, surface))
			}
			Expect(res.Violations).To(BeEmpty(), explain(res))
			Expect(res.Status).To(Equal(harness.StatusPass), explain(res))
		},
		gridEntries(),
	)
})

// notStartedMessage says which surface could not be started, with the
// end of its stderr.
func notStartedMessage(ns *harness.NotStartedError) string {
	var b strings.Builder
	b.WriteString(ns.Error())
	for _, s := range ns.Surfaces {
		lines := strings.Split(strings.TrimRight(s.Stderr, "\n"), "\n")
		if len(lines) > 20 {
			lines = lines[len(lines)-20:]
		}
		fmt.Fprintf(&b, "\n%s stderr:\n  %s", s.Surface, strings.Join(lines, "\n  "))
	}
	return b.String()
}
