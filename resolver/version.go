package resolver

import (
	_ "embed"
	"regexp"
)

//go:embed CONTRACT.md
var contractText string

// contractVersion finds the version in the contract's title: "# The
// startup fallback contract (normative, version 1.1)".
var contractVersion = regexp.MustCompile(`(?m)^# .*\(normative, version ([0-9][0-9.]*)\)`)

// ContractVersion returns the version of CONTRACT.md this package
// implements, as its title states it ("1", "1.1"); reports and the version
// command name it. It is read from the copy of the contract beside this
// file, so that it changes with the contract and only with it.
func ContractVersion() string {
	if m := contractVersion.FindStringSubmatch(contractText); m != nil {
		return m[1]
	}
	return "unknown"
}
