package exec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// testSubject returns a manifest whose surface runs this test binary as the
// Go-written subject mode, plus extra env.
func testSubject(t testing.TB, surface, mode string, timeout time.Duration, env map[string]string) *Manifest {
	t.Helper()
	// Under -race the runtime sleeps 1s before a successful exit, waiting
	// for races to report; the subjects do not need that.
	e := map[string]string{envTestSubject: mode, "GORACE": "atexit_sleep_ms=0"}
	for k, v := range env {
		e[k] = v
	}
	return &Manifest{
		Name:     "test-" + mode,
		Timeout:  timeout,
		Surfaces: map[string][]string{surface: {os.Args[0]}},
		Env:      e,
	}
}

// shSubject returns a manifest whose surface is a /bin/sh script.
func shSubject(surface, script string, timeout time.Duration, env map[string]string) *Manifest {
	return &Manifest{
		Name:     "sh",
		Timeout:  timeout,
		Surfaces: map[string][]string{surface: {"/bin/sh", "-c", script}},
		Env:      env,
	}
}

// openExec returns the surface with a dedicated scratch root and registers the
// checks that nothing is left behind: Close succeeded or was checked, and the
// scratch root is empty.
func openExec(t *testing.T, m *Manifest, surface string, opts ...Option) *Surface {
	t.Helper()
	root := t.TempDir()
	s, err := m.Surface(surface, append([]Option{ScratchRoot(root)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Close()
		if ents, _ := os.ReadDir(root); len(ents) != 0 {
			t.Errorf("scratch root %s not empty after the run: %v", root, entryNames(ents))
		}
	})
	return s
}

func entryNames(ents []os.DirEntry) []string {
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func execCase(id string) harness.Case {
	return harness.Case{
		ID: id,
		Config: harness.CaseConfig{
			Model: harness.PrimaryConfig{Provider: "xai-oauth", Default: "grok-4.3"},
			FallbackProviders: []harness.ConfigEntry{
				{Entry: resolver.Entry{Provider: "openai-codex", Model: "gpt-5.5"}, Shorthand: true},
				{Entry: resolver.Entry{Provider: "anthropic", Model: "claude-opus-4-7"}},
			},
		},
		Prompt:    "Reply with one word.",
		Providers: map[string]string{"xai-oauth": "http://127.0.0.1:1/p/xai-oauth"},
	}
}

// pidFiles returns env naming files the subject writes its pids to.
func pidFiles(t *testing.T) (env map[string]string, read func(name string) int) {
	dir := t.TempDir()
	env = map[string]string{"FG_PIDFILE": filepath.Join(dir, "leader"), "FG_CHILDFILE": filepath.Join(dir, "child")}
	read = func(name string) int {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("subject wrote no %s pid: %v", name, err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatalf("%s pid file: %v", name, err)
		}
		return pid
	}
	return env, read
}

// assertGroupGone checks that no live process is left in process group
// pgid. Zombies count as gone: in this VM, init reaps orphans lazily.
func assertGroupGone(t *testing.T, pgid int) {
	t.Helper()
	err := syscall.Kill(-pgid, 0)
	if errors.Is(err, syscall.ESRCH) {
		return
	}
	if n := liveMembers(pgid); n != 0 {
		t.Errorf("process group %d still has %d live processes (kill: %v)", pgid, n, err)
	}
}

func assertProcessGone(t *testing.T, pid int) {
	t.Helper()
	if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
		return
	}
	if state, _, ok := procStat(strconv.Itoa(pid)); ok && state != 'Z' && state != 'X' {
		t.Errorf("process %d still alive (state %c)", pid, state)
	}
}

func wantFailure(t *testing.T, out harness.Outcome, substr string) {
	t.Helper()
	if !strings.Contains(out.Failure, substr) {
		t.Errorf("Outcome.Failure = %q; want it to contain %q", out.Failure, substr)
	}
}

func TestExecOneshotWellBehaved(t *testing.T) {
	t.Parallel()
	s := openExec(t, testSubject(t, harness.Oneshot, "oneshot", 10*time.Second, nil), harness.Oneshot)
	out, err := s.Start(context.Background(), execCase("SF-1/oneshot"))
	if err != nil {
		t.Fatal(err)
	}
	if out.Failure != "" || out.ExitCode != 0 {
		t.Fatalf("Start = exit %d, failure %q; want exit 0, no failure (stderr %q)", out.ExitCode, out.Failure, out.Stderr)
	}
	if out.Stdout != "answer to SF-1/oneshot" {
		t.Errorf("Stdout = %q; want %q", out.Stdout, "answer to SF-1/oneshot")
	}
	if len(out.Events) != 1 || out.Events[0].Event != harness.EventStarted || out.Events[0].Model != "SF-1/oneshot" {
		t.Errorf("Events = %+v; want one started event with model SF-1/oneshot", out.Events)
	}
}

func TestExecCLIGetsPromptOnStdin(t *testing.T) {
	t.Parallel()
	s := openExec(t, testSubject(t, harness.CLI, "cli", 10*time.Second, nil), harness.CLI)
	out, err := s.Start(context.Background(), execCase("SF-1/cli"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "you said: Reply with one word.\n"; out.Stdout != want || out.Failure != "" {
		t.Errorf("Start = stdout %q, failure %q; want %q, no failure", out.Stdout, out.Failure, want)
	}
}

func TestExecKeepDirWritesCaseFiles(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	s, err := testSubject(t, harness.Oneshot, "oneshot", 10*time.Second, nil).Surface(harness.Oneshot, ScratchRoot(root), KeepDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := execCase("SF-2/oneshot")
	out, err := s.Start(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if out.Dir == "" || filepath.Dir(out.Dir) != root {
		t.Fatalf("Outcome.Dir = %q; want a folder in %s", out.Dir, root)
	}
	data, err := os.ReadFile(filepath.Join(out.Dir, "case.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got harness.Case
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("case.json: %v", err)
	}
	if got.Protocol != harness.Protocol || got.Surface != harness.Oneshot || got.Events != filepath.Join(out.Dir, "events.jsonl") || got.Home != filepath.Join(out.Dir, "home") {
		t.Errorf("case.json = protocol %q surface %q events %q home %q", got.Protocol, got.Surface, got.Events, got.Home)
	}
	y, err := os.ReadFile(filepath.Join(out.Dir, "home", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := resolver.ParseConfig("config.yaml", y)
	if err != nil {
		t.Fatalf("config.yaml does not parse: %v\n%s", err, y)
	}
	if len(cfg.Chain) != 2 || cfg.Chain[0].Model != "gpt-5.5" {
		t.Errorf("config.yaml chain = %v; want [openai-codex/gpt-5.5 anthropic/claude-opus-4-7]\n%s", cfg.Chain, y)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(y, &raw); err != nil {
		t.Fatal(err)
	}
}

func TestExecHostileProcesses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		surface string
		m       func(env map[string]string) *Manifest
		want    string
		exit    int
		orphan  bool
	}{
		{
			name: "hangs", surface: harness.Oneshot, exit: -1,
			m: func(env map[string]string) *Manifest {
				return shSubject(harness.Oneshot, `echo $$ > "$FG_PIDFILE"; exec sleep 1000`, 300*time.Millisecond, env)
			},
			want: "timed out after 300ms; process group killed",
		},
		{
			name: "child outlives it", surface: harness.Oneshot, exit: 0, orphan: true,
			m: func(env map[string]string) *Manifest {
				return shSubject(harness.Oneshot, `echo $$ > "$FG_PIDFILE"; sleep 1000 & echo $! > "$FG_CHILDFILE"; exit 0`, 10*time.Second, env)
			},
			want: "left processes running in its process group after it exited",
		},
		{
			name: "child outlives a hang", surface: harness.CLI, exit: -1, orphan: true,
			m: func(env map[string]string) *Manifest {
				return shSubject(harness.CLI, `echo $$ > "$FG_PIDFILE"; (trap '' HUP TERM; exec sleep 1000) & echo $! > "$FG_CHILDFILE"; exec sleep 1000`, 300*time.Millisecond, env)
			},
			want: "timed out after 300ms",
		},
		{
			name: "floods stdout with 100 MB", surface: harness.Oneshot, exit: -1,
			m: func(env map[string]string) *Manifest {
				return testSubject(t, harness.Oneshot, "flood", 30*time.Second, env)
			},
			want: "output flood: more than 1048576 bytes on stdout; process group killed",
		},
		{
			name: "writes garbage events", surface: harness.Oneshot, exit: 0,
			m: func(env map[string]string) *Manifest {
				return testSubject(t, harness.Oneshot, "garbage-events", 10*time.Second, env)
			},
			want: `protocol violation: events.jsonl:1: not a JSON object in line "this is not json"`,
		},
		{
			name: "cli exits before reading stdin", surface: harness.CLI, exit: 0,
			m: func(env map[string]string) *Manifest {
				return shSubject(harness.CLI, `echo $$ > "$FG_PIDFILE"; exit 0`, 10*time.Second, env)
			},
			want: `protocol violation: exited with code 0 but wrote no "started" or "failed" event`,
		},
		{
			name: "crashes on a signal", surface: harness.Oneshot, exit: -1,
			m: func(env map[string]string) *Manifest {
				return shSubject(harness.Oneshot, `echo $$ > "$FG_PIDFILE"; kill -SEGV $$`, 10*time.Second, env)
			},
			want: "crashed: signal segmentation fault",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, pid := pidFiles(t)
			s := openExec(t, tc.m(env), tc.surface)
			c := execCase("hostile/" + tc.name)
			c.Prompt = strings.Repeat("long prompt ", 100_000) // more than a pipe buffer
			out, err := s.Start(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			wantFailure(t, out, tc.want)
			if out.ExitCode != tc.exit {
				t.Errorf("ExitCode = %d; want %d", out.ExitCode, tc.exit)
			}
			if len(out.Stdout) > DefaultCaptureLimit {
				t.Errorf("captured %d bytes of stdout; want at most %d", len(out.Stdout), DefaultCaptureLimit)
			}
			assertGroupGone(t, pid("leader"))
			if tc.orphan {
				assertProcessGone(t, pid("child"))
			}
		})
	}
}

func TestExecCallerDeadline(t *testing.T) {
	t.Parallel()
	env, pid := pidFiles(t)
	s := openExec(t, shSubject(harness.Oneshot, `echo $$ > "$FG_PIDFILE"; exec sleep 1000`, 10*time.Second, env), harness.Oneshot)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	out, err := s.Start(ctx, execCase("deadline"))
	if err != nil {
		t.Fatal(err)
	}
	wantFailure(t, out, "timed out at the caller's deadline; process group killed")
	assertGroupGone(t, pid("leader"))
}

func TestExecGatewayConcurrent(t *testing.T) {
	t.Parallel()
	s := openExec(t, testSubject(t, harness.Gateway, "gateway", 10*time.Second, nil), harness.Gateway)
	const n = 64
	outs := make([]harness.Outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c := execCase(fmt.Sprintf("case-%d", i))
			c.Args = harness.Args{Provider: "anthropic", Model: fmt.Sprintf("m%d", i)}
			out, err := s.Start(context.Background(), c)
			if err != nil {
				t.Error(err)
			}
			outs[i] = out
		})
	}
	wg.Wait()
	for i, out := range outs {
		id := fmt.Sprintf("case-%d", i)
		if out.Failure != "" || out.Reply == nil || out.Reply.Reply != "answer to "+id {
			t.Errorf("request %d: failure %q, reply %+v; want the answer to %s", i, out.Failure, out.Reply, id)
			continue
		}
		if out.GatewayDied {
			t.Errorf("request %d: GatewayDied set; the gateway is alive", i)
		}
		if len(out.Events) != 1 || out.Events[0].Model != id || out.Events[0].ID != out.Reply.ID {
			t.Errorf("request %d: events %+v; want one started event for %s with id %s", i, out.Events, id, out.Reply.ID)
		}
	}
	pgid := s.gw.p.pgid
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v; want nil", err)
	}
	assertGroupGone(t, pgid)
}

func TestExecHostileGateway(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		m         func() *Manifest
		answered  int // requests answered before the fault
		want      string
		wantClose string
	}{
		{
			name: "dies mid-run with requests pending", answered: 1,
			m:    func() *Manifest { return testSubject(t, harness.Gateway, "gateway-die", 10*time.Second, nil) },
			want: "gateway crashed: exited with code 3 before its stdin was closed; stderr: boom: dying with requests pending",
		},
		{
			name: "never answers",
			m:    func() *Manifest { return testSubject(t, harness.Gateway, "gateway-silent", 300*time.Millisecond, nil) },
			want: "gateway stopped answering: no reply to r",
		},
		{
			name: "exits before reading stdin",
			m:    func() *Manifest { return shSubject(harness.Gateway, "exit 0", 10*time.Second, nil) },
			want: "gateway crashed: exited with code 0 before its stdin was closed",
		},
		{
			name: "writes garbage replies",
			m:    func() *Manifest { return testSubject(t, harness.Gateway, "gateway-garbage", 10*time.Second, nil) },
			want: `protocol violation: gateway stdout:1: not a JSON object in line "hello world"; process group killed`,
		},
		{
			name: "answers an unknown id",
			m:    func() *Manifest { return testSubject(t, harness.Gateway, "gateway-unknown-id", 10*time.Second, nil) },
			want: `protocol violation: gateway stdout:1: reply to unknown id "zzz"`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := openExec(t, tc.m(), harness.Gateway)
			if err := s.Open(); err != nil {
				t.Fatal(err)
			}
			pgid := s.gw.p.pgid
			for i := range tc.answered {
				out, err := s.Start(context.Background(), execCase(fmt.Sprintf("ok-%d", i)))
				if err != nil || out.Failure != "" {
					t.Fatalf("request before the fault: %v, %q", err, out.Failure)
				}
			}
			const pending = 8
			outs := make([]harness.Outcome, pending)
			var wg sync.WaitGroup
			for i := range pending {
				wg.Go(func() {
					out, err := s.Start(context.Background(), execCase(fmt.Sprintf("pending-%d", i)))
					if err != nil {
						t.Error(err)
					}
					outs[i] = out
				})
			}
			wg.Wait()
			for i, out := range outs {
				if out.Reply != nil {
					t.Errorf("pending request %d got reply %+v; want none", i, out.Reply)
				}
				if !out.GatewayDied {
					t.Errorf("pending request %d: GatewayDied not set; the gate must know the gateway died", i)
				}
				wantFailure(t, out, tc.want)
			}
			later, err := s.Start(context.Background(), execCase("later"))
			if err != nil {
				t.Fatal(err)
			}
			wantFailure(t, later, tc.want)
			if !later.GatewayDied {
				t.Error("request after the death: GatewayDied not set")
			}
			if err := s.Close(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Close = %v; want an error containing %q", err, tc.want)
			}
			assertGroupGone(t, pgid)
		})
	}
}

// TestExecReferenceGatewayDies runs the reference gateway as a process, with
// the mutation that dies on a failed start-up: a case on healthy fakes is
// answered, a case whose primary cannot be reached kills the gateway while
// in flight, and a later case is not sent. Each case the death failed is
// marked GatewayDied, so that the gate can re-run it alone.
func TestExecReferenceGatewayDies(t *testing.T) {
	t.Parallel()
	fleet, err := fakes.NewFleet(fakes.Config{Providers: []fakes.Provider{{Name: "xai-oauth"}, {Name: "openai-codex"}, {Name: "anthropic"}}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	srv, err := fleet.ServeLoopback("")
	if err != nil {
		t.Fatal(err)
	}
	s := openExec(t, testSubject(t, harness.Gateway, "reference-gateway-dies", 10*time.Second, nil), harness.Gateway)
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	pgid := s.gw.p.pgid

	healthy := execCase("healthy/gateway")
	healthy.Providers = srv.BaseURLs()
	out, err := s.Start(context.Background(), healthy)
	if err != nil {
		t.Fatal(err)
	}
	if out.Failure != "" || out.GatewayDied || out.Reply == nil || !out.Reply.OK {
		t.Fatalf("healthy case: failure %q, died %t, reply %+v; want an answer", out.Failure, out.GatewayDied, out.Reply)
	}
	if got := harness.ObservedSummary(out).String(); got != "landed -1 on xai-oauth/grok-4.3" {
		t.Errorf("healthy case decided %q; want landed -1 on xai-oauth/grok-4.3", got)
	}

	culprit, err := s.Start(context.Background(), execCase("culprit/gateway")) // xai-oauth at 127.0.0.1:1
	if err != nil {
		t.Fatal(err)
	}
	const died = "gateway crashed: exited with code 1 before its stdin was closed; stderr: fallbackgate subject gateway: gateway: died on a failed start-up"
	wantFailure(t, culprit, died)
	wantFailure(t, culprit, "(cases in flight: culprit/gateway)")
	if !culprit.GatewayDied || culprit.Reply != nil {
		t.Errorf("culprit: died %t, reply %+v; want the death and no reply", culprit.GatewayDied, culprit.Reply)
	}

	later, err := s.Start(context.Background(), healthy)
	if err != nil {
		t.Fatal(err)
	}
	wantFailure(t, later, "not sent: the gateway had already died: "+died)
	if !later.GatewayDied {
		t.Error("later case: GatewayDied not set")
	}
	if err := s.Close(); err == nil || !strings.Contains(err.Error(), died) {
		t.Errorf("Close = %v; want the crash", err)
	}
	assertGroupGone(t, pgid)
}

func TestExecGatewayIgnoresEndOfFile(t *testing.T) {
	t.Parallel()
	s := openExec(t, testSubject(t, harness.Gateway, "gateway-ignore-eof", 10*time.Second, nil), harness.Gateway, CloseGrace(200*time.Millisecond))
	out, err := s.Start(context.Background(), execCase("one"))
	if err != nil || out.Failure != "" {
		t.Fatalf("Start = %v, %q; want an answer", err, out.Failure)
	}
	pgid := s.gw.p.pgid
	err = s.Close()
	if err == nil || !strings.Contains(err.Error(), "gateway did not exit within 200ms after its stdin closed; process group killed") {
		t.Errorf("Close = %v; want the kill reported", err)
	}
	assertGroupGone(t, pgid)
	if err2 := s.Close(); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("second Close = %v; want the same error", err2)
	}
}

func TestExecGatewayCancelledRequest(t *testing.T) {
	t.Parallel()
	s := openExec(t, testSubject(t, harness.Gateway, "gateway-silent", 10*time.Second, nil), harness.Gateway)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out, err := s.Start(ctx, execCase("cancelled"))
	if err != nil {
		t.Fatal(err)
	}
	wantFailure(t, out, "cancelled: context canceled (request r1 abandoned)")
	if out.GatewayDied {
		t.Error("GatewayDied set for a cancelled request; the gateway is alive")
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v; want nil: a cancelled request is not the gateway's fault", err)
	}
}

func TestExecNotImplemented(t *testing.T) {
	m := &Manifest{Name: "half", Surfaces: map[string][]string{harness.Oneshot: {"true"}}}
	if _, err := m.Surface(harness.CLI); !errors.Is(err, ErrNotImplemented) {
		t.Errorf("Surface(cli) = %v; want ErrNotImplemented", err)
	}
	if _, err := m.Surface("gatway"); err == nil || !strings.Contains(err.Error(), `surface "gatway": unknown surface`) {
		t.Errorf("Surface(gatway) = %v; want unknown surface", err)
	}
}

func TestExecProgramNotFound(t *testing.T) {
	m := &Manifest{Name: "missing", Surfaces: map[string][]string{harness.Oneshot: {"/nonexistent/subject"}}}
	s := openExec(t, m, harness.Oneshot)
	if _, err := s.Start(context.Background(), execCase("x")); err == nil || !strings.Contains(err.Error(), "/nonexistent/subject") {
		t.Errorf("Start = %v; want an error naming the program", err)
	}
}

// BenchmarkExecOneshot runs a trivial subject (this test binary: it reads the
// case, appends a started event, prints the answer and exits 0) through the
// exec surface. Compare with BenchmarkSpawnBare. The scratch folder costs
// what the file system makes metadata operations cost: "tmpdir" uses
// TMPDIR, "tmpfs" /dev/shm where there is one.
func BenchmarkExecOneshot(b *testing.B) {
	b.Run("tmpdir", func(b *testing.B) { benchmarkExecOneshot(b, b.TempDir()) })
	b.Run("tmpfs", func(b *testing.B) {
		root, err := os.MkdirTemp("/dev/shm", "fallbackgate-bench-*")
		if err != nil {
			b.Skip("no /dev/shm:", err)
		}
		defer os.RemoveAll(root)
		benchmarkExecOneshot(b, root)
	})
}

func benchmarkExecOneshot(b *testing.B, root string) {
	s, err := testSubject(b, harness.Oneshot, "oneshot", 10*time.Second, nil).Surface(harness.Oneshot, ScratchRoot(root))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := execCase("bench")
	for b.Loop() {
		out, err := s.Start(context.Background(), c)
		if err != nil || out.Failure != "" {
			b.Fatalf("Start = %v, %q", err, out.Failure)
		}
	}
}

// BenchmarkSpawnBare spawns the same subject with os/exec, with a case file
// written once: the floor the exec surface is measured against.
func BenchmarkSpawnBare(b *testing.B) {
	dir := b.TempDir()
	c := execCase("bench")
	c.Protocol, c.Surface = harness.Protocol, harness.Oneshot
	c.Events, c.Home = filepath.Join(dir, "events.jsonl"), filepath.Join(dir, "home")
	casePath, _, err := writeCaseDir(dir, c, false)
	if err != nil {
		b.Fatal(err)
	}
	env := append(os.Environ(), envTestSubject+"=oneshot", harness.EnvCase+"="+casePath)
	for b.Loop() {
		cmd := exec.Command(os.Args[0])
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil || string(out) != "answer to bench" {
			b.Fatalf("subject: %v, %q", err, out)
		}
	}
}
