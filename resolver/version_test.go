package resolver

import "testing"

func TestContractVersion(t *testing.T) {
	if got := ContractVersion(); got == "unknown" || got == "" {
		t.Errorf("ContractVersion() = %q; the title of CONTRACT.md must say (normative, version N)", got)
	}
	for text, want := range map[string]string{
		"# The startup fallback contract (normative, version 1.1)\n\nbody": "1.1",
		"intro\n# The startup fallback contract (normative, version 2)\n":  "2",
		"# The startup fallback contract\n":                                "",
	} {
		got := ""
		if m := contractVersion.FindStringSubmatch(text); m != nil {
			got = m[1]
		}
		if got != want {
			t.Errorf("version in %q = %q; want %q", text, got, want)
		}
	}
}
