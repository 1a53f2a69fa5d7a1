package exec

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
)

// TestExecGatewayCrashKeepsErrorLine: a gateway that dies with a long
// stderr keeps both ends of it in the failure (a Go panic's message comes
// first, a Python traceback's error last), and every case its death failed
// carries all of its stderr and says that the process ended on its own.
func TestExecGatewayCrashKeepsErrorLine(t *testing.T) {
	script := `echo "panic: first line says why" >&2; i=0; while [ $i -lt 60 ]; do echo "  frame $i of a long stack" >&2; i=$((i+1)); done; echo "LastError: the last line" >&2; exit 2`
	s := openExec(t, shSubject(harness.Gateway, script, 10*time.Second, nil), harness.Gateway)
	out, err := s.Start(context.Background(), execCase("x"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"gateway crashed: exited with code 2", "panic: first line says why", "LastError: the last line"} {
		if !strings.Contains(out.Failure, want) {
			t.Errorf("failure %q lacks %q", out.Failure, want)
		}
	}
	if len(out.Failure) > 500 {
		t.Errorf("failure is %d bytes; want the stderr cut to about 300", len(out.Failure))
	}
	if !strings.Contains(out.Stderr, "frame 30 of a long stack") || !out.GatewayDied || !out.Exited {
		t.Errorf("outcome: stderr %d bytes, died %t, exited %t; want all of stderr, died and exited", len(out.Stderr), out.GatewayDied, out.Exited)
	}
	_ = s.Close()
}

// TestExecExited: a process that exits (or crashes) on its own is Exited;
// one the harness killed is not.
func TestExecExited(t *testing.T) {
	for _, tc := range []struct {
		script  string
		timeout time.Duration
		exited  bool
	}{
		{"echo boom >&2; exit 1", 10 * time.Second, true},
		{"kill -SEGV $$", 10 * time.Second, true},
		{"sleep 30", 200 * time.Millisecond, false},
	} {
		s := openExec(t, shSubject(harness.Oneshot, tc.script, tc.timeout, nil), harness.Oneshot)
		out, err := s.Start(context.Background(), execCase("x"))
		if err != nil {
			t.Fatal(err)
		}
		if out.Exited != tc.exited {
			t.Errorf("%q: Exited %t; want %t (failure %q)", tc.script, out.Exited, tc.exited, out.Failure)
		}
	}
}

// TestExecProgramNotFoundIsNotStarted: a program that cannot be executed
// is harness.ErrNotStarted, on every surface, so that the gate reports the
// subject as not started instead of failing as the harness.
func TestExecProgramNotFoundIsNotStarted(t *testing.T) {
	for _, surf := range harness.Surfaces {
		m := &Manifest{Name: "missing", Surfaces: map[string][]string{surf: {"/nonexistent/adapter"}}}
		s := openExec(t, m, surf)
		_, err := s.Start(context.Background(), execCase("x"))
		if !errors.Is(err, harness.ErrNotStarted) || !strings.Contains(err.Error(), `cannot execute "/nonexistent/adapter"`) {
			t.Errorf("%s: Start = %v; want harness.ErrNotStarted naming the program", surf, err)
		}
		if got := s.Argv(); len(got) != 1 || got[0] != "/nonexistent/adapter" {
			t.Errorf("%s: Argv() = %q", surf, got)
		}
	}
}
