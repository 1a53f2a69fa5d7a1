package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// program is how a reproduce command names this binary: "fallbackgate"
// when that is what the PATH runs, else the path it was invoked by (for
// ./bin/fallbackgate after make build, which is not on the PATH). It is
// decided once per process.
var program = sync.OnceValue(func() string {
	exe, _ := os.Executable()
	return programName(os.Args[0], exe, exec.LookPath)
})

// programName decides program: arg0 is how this binary was invoked, exe
// its path. A binary not named fallbackgate (a test binary) or built by go
// run (in a go-build temporary folder that is gone when it ends) is named
// "fallbackgate"; so is one the PATH finds as fallbackgate.
func programName(arg0, exe string, lookPath func(string) (string, error)) string {
	const name = "fallbackgate"
	if strings.TrimSuffix(filepath.Base(arg0), ".exe") != name || strings.Contains(filepath.ToSlash(arg0), "/go-build") {
		return name
	}
	if found, err := lookPath(name); err == nil && sameFile(found, exe) {
		return name
	}
	if !strings.ContainsRune(arg0, filepath.Separator) {
		return name // found on the PATH by the shell, under a path we cannot compare
	}
	if strings.ContainsAny(arg0, " \t'\"$`\\") {
		return "'" + strings.ReplaceAll(arg0, "'", `'\''`) + "'"
	}
	return arg0
}

// sameFile reports whether paths a and b name the same file.
func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}
