package reports

import (
	"strconv"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// The parts of the JUnit document the common (Ant) schema requires of
// every suite, and the case's own output.
type (
	// junitProps is a suite's <properties>: what the run was.
	junitProps struct {
		Props []junitProp `xml:"property"`
	}
	junitProp struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	// junitOutput is a case's <system-out> or <system-err>, kept readable
	// in a CDATA section; build it with junitOutputOf.
	junitOutput struct {
		Text string `xml:",cdata"`
	}
)

// junitRunProperties are the properties of every suite of a run: the
// subject, its profile, the seed, the versions of the contract, the
// protocol and the results schema, and the expectations file.
func junitRunProperties(r *Results) junitProps {
	p := junitProps{Props: []junitProp{
		{"subject", r.Subject},
		{"profile", r.Profile},
		{"seed", strconv.FormatInt(r.Seed, 10)},
		{"contract_version", resolver.ContractVersion()},
		{"protocol", harness.Protocol},
		{"results_version", Version},
	}}
	if r.ExpectFile != "" {
		p.Props = append(p.Props, junitProp{"expect_file", r.ExpectFile})
	}
	for i := range p.Props {
		p.Props[i].Value = xmlSafe(p.Props[i].Value)
	}
	return p
}

// junitOutputOf is what a case wrote on one stream, as JUnit carries it;
// nil when it wrote nothing.
func junitOutputOf(s string) *junitOutput {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return &junitOutput{Text: xmlSafe(s)}
}

// scenarioFile is the file of scenario id, as its cases name it.
func (r *Results) scenarioFile(id string) string {
	for _, c := range r.Cases {
		if c.Scenario == id && c.File != "" {
			return c.File
		}
	}
	return ""
}
