package harness_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// protocolMust maps a MUST of PROTOCOL.md (a phrase of its sentence) to the
// checks and tests that enforce it, each "path:Func" from the repository's
// root: a function or method Func declared in that file. A MUST is covered
// when at least one of its checks exists (the exec adapter's isolation
// recorder lives in harness/exec, beside the gate's own stray check).
type protocolMust struct {
	phrase string
	checks []string
}

var protocolMusts = []protocolMust{
	{"MUST reach providers only through these URLs", []string{
		"harness/gate/case.go:judge",             // requests that reached no fake: a protocol violation
		"harness/model/check.go:callsOtherThan",  // R6/R7: no request to another provider
		"harness/reference/providers.go:Resolve", // the reference reaches providers only through Case.Providers
	}},
	{"the subject MUST treat it as", []string{
		"harness/model/client.go:errorAnswer", // 401/403/429 auth → AuthError, the rest → an other error
		"harness/model/client.go:resolve",     // a 200 without a usable runtime → an other error
		"harness/model/check.go:ledger",       // R5, R11: an other error never walks on
	}},
	{"MUST NOT be printed, logged or written to events", []string{
		"harness/model/check.go:secrets", // R16
	}},
	{"MUST reach nothing but the fakes", []string{
		"harness/exec/isolation.go:startRecorder", // the isolation recorder (issue 13)
		"harness/gate/case.go:judge",              // requests to the fakes' server that reached no fake
	}},
	{"past it the subject MUST give up on that request", []string{
		"harness/gate/case.go:requestTimeout",                          // the bound the case names and the model keeps
		"harness/model/client.go:post",                                 // the model gives up at the same bound: a non-auth error
		"harness/reference/timeout_test.go:TestRequestTimeoutFromCase", // the reference honours request_timeout_ms
	}},
	{"MUST carry the fallback notice", []string{
		"harness/model/check.go:notice", // R15: one line naming both providers
		"harness/model/check.go:failed", // the surfaced error's provider and message
	}},
	{"MUST NOT contain \"authentication failed\"", []string{
		"harness/model/check.go:gatewayFailure", // R7
	}},
}

// TestEveryProtocolMustHasACheck reads every sentence of PROTOCOL.md that
// says MUST and finds the checks that enforce it in protocolMusts: a MUST
// with no entry, an entry that matches no MUST, or an entry none of whose
// checks exists in the code fails the test.
func TestEveryProtocolMustHasACheck(t *testing.T) {
	doc, err := os.ReadFile("PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	musts := mustSentences(string(doc))
	if len(musts) < 5 {
		t.Fatalf("found %d MUST sentences in PROTOCOL.md: the reading is broken", len(musts))
	}
	used := map[string]bool{}
	for _, s := range musts {
		var found []protocolMust
		for _, m := range protocolMusts {
			if strings.Contains(s, m.phrase) {
				found = append(found, m)
				used[m.phrase] = true
			}
		}
		if len(found) != 1 {
			t.Errorf("PROTOCOL.md says %q: %d entries of protocolMusts match it; want exactly 1 naming the checks that enforce it", s, len(found))
		}
	}
	for _, m := range protocolMusts {
		if !used[m.phrase] {
			t.Errorf("protocolMusts entry %q matches no MUST of PROTOCOL.md", m.phrase)
		}
		exists := 0
		for _, c := range m.checks {
			if declared(t, c) {
				exists++
			}
		}
		if exists == 0 {
			t.Errorf("the MUST %q has no check: none of %v exists", m.phrase, m.checks)
		}
	}
}

// mustSentences returns the sentences (and table cells) of doc that say
// MUST, white space collapsed, without the RFC 2119 preamble.
func mustSentences(doc string) []string {
	var out []string
	for _, para := range regexp.MustCompile(`\n\s*\n|\|`).Split(doc, -1) {
		para = strings.Join(strings.Fields(para), " ")
		for _, s := range regexp.MustCompile(`[.:;] `).Split(para, -1) {
			if strings.Contains(s, "MUST") && !strings.Contains(s, "MUST and SHOULD are meant") {
				out = append(out, s)
			}
		}
	}
	return out
}

// declared reports whether "path:Func" names a function or method Func
// declared in path, from the repository's root.
func declared(t *testing.T, check string) bool {
	t.Helper()
	path, fn, ok := strings.Cut(check, ":")
	if !ok {
		t.Fatalf("check %q: want path:Func", check)
	}
	src, err := os.ReadFile(filepath.Join("..", path))
	if os.IsNotExist(err) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`(?m)^func (\([^)]*\) )?` + regexp.QuoteMeta(fn) + `[\[(]`).Match(src)
}
