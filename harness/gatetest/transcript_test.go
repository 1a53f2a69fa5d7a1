package gatetest_test

import (
	"context"
	"fmt"
	"strings"
)

// transcript stands in for *testing.T in the examples, so that their
// output can be checked: it runs each subtest at once and prints a failing
// one as go test does ("--- FAIL: name" and what it reported), counts the
// others, and prints nothing of a passing one. In a test, pass t.
type transcript struct {
	name                  string
	quiet                 bool // print nothing
	lines                 int  // print only the first lines of each report; 0: all
	failed, skipped       bool
	reports               []string
	cleanups              []func()
	passed, failedN, skip int
}

func (r *transcript) Helper()                  {}
func (r *transcript) Name() string             { return r.name }
func (r *transcript) Logf(string, ...any)      {} // as go test without -v
func (r *transcript) Cleanup(f func())         { r.cleanups = append(r.cleanups, f) }
func (r *transcript) Context() context.Context { return context.Background() }
func (r *transcript) Skip(...any)              { r.skipped = true }

func (r *transcript) Errorf(format string, args ...any) {
	r.failed = true
	msg := fmt.Sprintf(format, args...)
	if all := strings.Split(msg, "\n"); r.lines > 0 && len(all) > r.lines {
		msg = strings.Join(all[:r.lines], "\n")
	}
	r.reports = append(r.reports, msg)
}

// Run runs f as the subtest name.
func (r *transcript) Run(name string, f func(*transcript)) bool {
	sub := &transcript{name: r.name + "/" + name, quiet: r.quiet, lines: r.lines}
	f(sub)
	sub.end()
	switch {
	case sub.failed:
		r.failedN++
		r.failed = true
	case sub.skipped:
		r.skip++
	default:
		r.passed++
	}
	return !sub.failed
}

// end runs the cleanups, prints a failure and, for the top level, the
// counts of its subtests.
func (r *transcript) end() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	r.cleanups = nil
	if r.quiet {
		return
	}
	if r.failed && len(r.reports) > 0 {
		fmt.Printf("--- FAIL: %s\n", r.name)
		for _, rep := range r.reports {
			for _, line := range strings.Split(rep, "\n") {
				fmt.Println(strings.TrimRight("    "+line, " "))
			}
		}
	}
	if r.passed+r.failedN+r.skip > 0 {
		fmt.Printf("%s: %d passed, %d failed, %d skipped\n", r.name, r.passed, r.failedN, r.skip)
	}
}
