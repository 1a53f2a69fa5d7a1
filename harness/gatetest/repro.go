package gatetest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
)

// seedFlag is -fallbackgate.seed of a test binary that imports this
// package: the seed of every Run and Prop whose options name none.
var seedFlag = flag.Int64("fallbackgate.seed", 0, "gatetest: seed of the fake providers (and of the property runs); 0 means 1")

// seedOf returns the seed a run uses: explicit, else the flag's, else 1.
func seedOf(explicit int64) int64 {
	switch {
	case explicit != 0:
		return explicit
	case *seedFlag != 0:
		return *seedFlag
	}
	return 1
}

// newClock is the virtual clock of an in-process case.
func newClock() fakes.Clock { return fakes.NewManualClock(harness.Epoch) }

// goTestRepro is the command that runs the (sub)test named name again with
// seed, from the module's root: go test -run '^TestGate$/^SF-8$/^oneshot$'
// -fallbackgate.seed=1 ./pkg.
func goTestRepro(name string, seed int64) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexpQuote(p) + "$"
	}
	return fmt.Sprintf("go test -run '%s' -fallbackgate.seed=%d %s", strings.Join(parts, "/"), seed, packageDir())
}

// regexpQuote quotes the characters of a test name that -run would read
// as a regular expression (a name never holds a quote or a slash here).
func regexpQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
			b.WriteRune('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// packageDir is the folder of the test being run (go test runs a test in
// its package's folder) relative to its module's root, as go test takes
// it: "./harness/gatetest", or "." at the root.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		if filepath.Dir(dir) == dir {
			return "."
		}
	}
}
