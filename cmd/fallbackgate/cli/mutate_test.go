package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness/reference"
)

// TestMutateInProcess runs `fallbackgate mutate` on the in-process path (the
// exec path needs this binary's subject command; the harness tests build it
// with gexec and run it there).
func TestMutateInProcess(t *testing.T) {
	stdout, stderr, code := run(t, "mutate", "--subject-path", "in-process", "--seed", "1")
	if code != ExitConforms {
		t.Fatalf("mutate exited %d; want 0\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"MUTANT", "KILLED BY", "RULE", "ignores-chain", "SF-2/oneshot", "reads-chain-twice", "MX-1/oneshot", fullScore()} {
		if !strings.Contains(stdout, want) {
			t.Errorf("mutate output lacks %q:\n%s", want, stdout)
		}
	}
}

// fullScore is the score line of a self-test that kills every mutant of
// the catalogue.
func fullScore() string {
	n := len(reference.Mutants())
	return fmt.Sprintf("mutation score: %d/%d (100%%)", n, n)
}

func TestMutateUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"mutate", "--mutant", "nope"}, `unknown mutant "nope"`},
		{[]string{"mutate", "--subject-path", "ssh"}, `--subject-path "ssh"`},
		{[]string{"subject", "--mutant", "nope", "oneshot"}, `unknown mutant "nope"`},
	} {
		_, stderr, code := run(t, tt.args...)
		if code != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}
