package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// module is the module path; the layout below names packages without it.
const module = "github.com/fallbackgate/fallbackgate"

// layout is the table of DESIGN.md ("Layout"): for each package of the
// module, the packages of ours it may import. resolver and fakes are the
// data at the bottom: every package above them may use them (the exec
// adapter reads a manifest's profile with resolver; generators, chaos and
// the incident replay build fault plans and virtual clocks with fakes).
// reports and scenarios may use the vocabulary and every harness/* package
// (for their types; reports never runs anything). harness/gatetest sits on
// top, as the command does: it runs the gate from go test and prints a
// failure as the reports do. A new package must be added here,
// deliberately.
var layout = map[string][]string{
	"resolver":             {},
	"fakes":                {},
	"harness":              {"resolver", "fakes"},
	"harness/model":        {"harness", "resolver", "fakes"},
	"harness/reference":    {"harness", "resolver", "fakes"},
	"harness/exec":         {"harness", "resolver", "fakes"},
	"harness/gate":         {"harness", "harness/model", "resolver", "fakes"},
	"harness/prop":         {"harness", "harness/gate", "harness/model", "resolver", "fakes"},
	"harness/chaos":        {"harness", "harness/gate", "harness/model", "harness/prop", "resolver", "fakes"},
	"harness/incident":     {"harness", "harness/gate", "harness/model", "harness/reference", "resolver", "fakes"},
	"harness/mutation":     {"harness", "harness/gate", "harness/prop", "harness/reference", "resolver", "fakes"},
	"harness/gatetest":     {"harness", "harness/gate", "harness/exec", "harness/reference", "harness/prop", "scenarios", "reports", "resolver", "fakes"},
	"scenarios":            {"harness", "harness/*", "resolver", "fakes"},
	"reports":              {"harness", "harness/*", "resolver", "fakes"},
	"cmd/fallbackgate/cli": {"*"},
	"cmd/fallbackgate":     {"cmd/fallbackgate/cli"},
}

// TestLayout reads `go list` and fails on any package of the module that
// the layout does not name, any import of ours that the layout does not
// allow, and any package without a doc.go.
func TestLayout(t *testing.T) {
	root := moduleRoot(t)
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{.Dir}} {{join .Imports \" \"}}", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, dir := strings.TrimPrefix(strings.TrimPrefix(f[0], module), "/"), f[1]
		seen[pkg] = true
		allowed, ok := layout[pkg]
		if !ok {
			t.Errorf("package %s is not in the layout table: add it to layout_test.go (and DESIGN.md's table) with the imports it may have", pkg)
			continue
		}
		for _, imp := range f[2:] {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			imp = strings.TrimPrefix(imp, module+"/")
			if !allows(allowed, imp) {
				t.Errorf("%s imports %s; the layout allows %s only", pkg, imp, strings.Join(allowed, ", "))
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "doc.go")); err != nil {
			t.Errorf("package %s has no doc.go stating its one job", pkg)
		}
	}
	for pkg := range layout {
		if !seen[pkg] {
			t.Errorf("the layout names %s, which go list did not find", pkg)
		}
	}
}

func allows(allowed []string, imp string) bool {
	return slices.ContainsFunc(allowed, func(a string) bool {
		return a == "*" || a == imp || (strings.HasSuffix(a, "/*") && strings.HasPrefix(imp, strings.TrimSuffix(a, "*")))
	})
}

// moduleRoot is the folder of go.mod, two levels up from this package.
func moduleRoot(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(wd, "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	return root
}
