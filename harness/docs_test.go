package harness_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDocCopiesMatchShared: the repository carries copies of PROTOCOL.md
// (harness/) and CONTRACT.md (resolver/), so that a clone holds what an
// adapter is written from. Where the shared originals sit beside the
// checkout (../shared), the copies must be byte for byte the same; a clone
// without them skips.
func TestDocCopiesMatchShared(t *testing.T) {
	for copyPath, name := range map[string]string{"PROTOCOL.md": "PROTOCOL.md", "../resolver/CONTRACT.md": "CONTRACT.md"} {
		orig, err := os.ReadFile(filepath.Join("..", "..", "shared", name))
		if os.IsNotExist(err) {
			t.Skipf("../shared/%s is not beside this checkout", name)
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(copyPath)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, orig) {
			t.Errorf("%s differs from ../shared/%s: copy it again (cp ../shared/%s %s)", copyPath, name, name, copyPath)
		}
	}
}

// citedRule is a rule literal in Go source: "R7", "R18".
var citedRule = regexp.MustCompile(`"(R[0-9]+)"`)

// TestCitedRulesExist: every rule that the checker, the pipeline, the
// stages or the mutant catalogue cite ("R7" in Go source) is a rule of
// CONTRACT.md (a "**R7**" item), so that no message points at a rule the
// contract does not have.
func TestCitedRulesExist(t *testing.T) {
	contract, err := os.ReadFile("../resolver/CONTRACT.md")
	if err != nil {
		t.Fatal(err)
	}
	cited := map[string][]string{}
	for _, dir := range []string{".", "gate", "model", "reference", "prop", "chaos", "incident", "mutation", "exec"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range citedRule.FindAllStringSubmatch(string(src), -1) {
				if !slices.Contains(cited[m[1]], f) {
					cited[m[1]] = append(cited[m[1]], f)
				}
			}
		}
	}
	if len(cited) < 10 {
		t.Fatalf("found only %d cited rules: the scan is broken", len(cited))
	}
	for rule, files := range cited {
		if !bytes.Contains(contract, []byte("**"+rule+"**")) {
			t.Errorf("%s cite %s, which CONTRACT.md does not define", strings.Join(files, ", "), rule)
		}
	}
}
