package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
)

// The hostile-subject suite: the built command run against adapters that
// misbehave as an attacker or a careless adapter author would
// (testdata/hostile, each a small Python program wrapping the example
// adapter). Every test asserts the verdict and the exit code, and then
// that nothing is left: no process any adapter started (each records its
// pids), no folder under the harness's TMPDIR, and no secret in anything
// the harness printed or wrote.

// fakeAWSKey stands for a real credential in the runner's environment.
const fakeAWSKey = "AKIAFALLBACKGATETEST/wJalrXUtnFEMIexampleKEY"

var bin struct {
	once sync.Once
	path string
	err  error
}

// hostileBinary builds the command once for the suite.
func hostileBinary(t *testing.T) string {
	t.Helper()
	bin.once.Do(func() {
		dir, err := os.MkdirTemp("", "fallbackgate-hostile-bin-*")
		if err != nil {
			bin.err = err
			return
		}
		bin.path = filepath.Join(dir, "fallbackgate")
		out, err := exec.Command("go", "build", "-o", bin.path, ".").CombinedOutput()
		if err != nil {
			bin.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if bin.err != nil {
		t.Fatal(bin.err)
	}
	return bin.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bin.path != "" {
		os.RemoveAll(filepath.Dir(bin.path))
	}
	os.Exit(code)
}

// hostileRun is one run of the command in a folder of its own.
type hostileRun struct {
	t       *testing.T
	dir     string // the working folder: reports and histories go here
	tmp     string // the harness's TMPDIR: case folders go here
	pidfile string
	ready   string // a FIFO the hang adapter writes to once it runs
}

func newHostileRun(t *testing.T) *hostileRun {
	t.Helper()
	h := &hostileRun{t: t, dir: t.TempDir()}
	h.tmp = filepath.Join(h.dir, "tmp")
	h.pidfile = filepath.Join(h.dir, "pids")
	if err := os.Mkdir(h.tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *hostileRun) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, hostileBinary(h.t), args...)
	cmd.Dir = h.dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + h.dir, "TMPDIR=" + h.tmp,
		"FG_PIDFILE=" + h.pidfile, "AWS_SECRET_ACCESS_KEY=" + fakeAWSKey}
	if h.ready != "" {
		cmd.Env = append(cmd.Env, "FG_READY="+h.ready)
	}
	return cmd
}

type runResult struct {
	stdout, stderr string
	code           int
}

// run runs the command to its end (at most a minute: a harness that hangs
// fails the test rather than the suite).
func (h *hostileRun) run(args ...string) runResult {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := h.command(ctx, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		h.t.Fatal(err)
	}
	if ctx.Err() != nil {
		h.t.Fatalf("fallbackgate %s did not finish within a minute; stderr:\n%s", strings.Join(args, " "), stderr.String())
	}
	return runResult{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
}

func (r runResult) want(t *testing.T, code int, texts ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d; want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range texts {
		if !strings.Contains(r.stdout+r.stderr, s) {
			t.Errorf("output does not contain %q\nstdout:\n%s\nstderr:\n%s", s, r.stdout, r.stderr)
		}
	}
}

// assertClean checks that no process an adapter recorded is alive, that
// the harness's TMPDIR is empty, and that no secret appears in outs or in
// any file under the run's folder.
func (h *hostileRun) assertClean(outs ...runResult) {
	h.t.Helper()
	if b, err := os.ReadFile(h.pidfile); err == nil {
		for _, f := range strings.Fields(string(b)) {
			pid, _ := strconv.Atoi(f)
			if alive(pid) {
				h.t.Errorf("process %d (%s) is still running after the command exited", pid, cmdlineOf(pid))
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	if ents, _ := os.ReadDir(h.tmp); len(ents) > 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		h.t.Errorf("folders left in the harness's TMPDIR: %v", names)
	}
	for _, o := range outs {
		h.assertNoSecret("stdout", o.stdout)
		h.assertNoSecret("stderr", o.stderr)
	}
	_ = filepath.WalkDir(h.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || path == h.pidfile {
			return nil
		}
		if b, err := os.ReadFile(path); err == nil {
			rel, _ := filepath.Rel(h.dir, path)
			h.assertNoSecret(rel, string(b))
		}
		return nil
	})
}

// keyTraces are what is left of a key, or its start in an encoding, even
// when cut: a prefix of a key, the base64 and hex of "fgk-" and "fgr-".
var keyTraces = regexp.MustCompile(`(?i)fg[kr]-[0-9a-f]{4}|Zmdr[LT]|ZmdyL|66676b2d|6667722d|%66%67%6b`)

func (h *hostileRun) assertNoSecret(where, text string) {
	h.t.Helper()
	if fakes.HasSecret(text) {
		h.t.Errorf("%s holds a key of the fakes", where)
	}
	if m := keyTraces.FindString(text); m != "" {
		h.t.Errorf("%s holds a trace of a key: %q", where, m)
	}
	if strings.Contains(text, fakeAWSKey) || strings.Contains(text, "wJalrXUtnFEMI") {
		h.t.Errorf("%s holds the runner's AWS_SECRET_ACCESS_KEY", where)
	}
}

func alive(pid int) bool {
	if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	f := bytes.Fields(b[i+1:])
	return len(f) > 0 && f[0][0] != 'Z' && f[0][0] != 'X'
}

func cmdlineOf(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return string(bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
}

func hostileSubject(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", "hostile", name))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Ext(p) != ".yaml" {
		p = filepath.Join(p, "subject.yaml")
	}
	return p
}

// TestHostileSubjects runs each misbehaving adapter through the gate.
func TestHostileSubjects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		subject string
		args    []string
		code    int
		want    []string
	}{
		{name: "events file turned into a FIFO", subject: "fifo-events", code: 1,
			want: []string{"protocol violation: events.jsonl is a FIFO, not a regular file"}},
		{name: "one 15 MB event", subject: "huge-event", code: 1,
			want: []string{"protocol violation: events.jsonl holds more than 1048576 bytes of events"}},
		{name: "child escapes with setsid", subject: "escape-setsid", code: 1,
			want: []string{`R17: left processes running outside its process group: "sleep 300"`}},
		{name: "calls a non-loopback address", subject: "reach-out", code: 1,
			want: []string{"protocol violation: isolation: tried to reach 1.1.1.1 through the proxy the harness set"}},
		{name: "dumps its environment", subject: "env-dump", code: 0, want: []string{"1 passed, 0 failed"}},
		{name: "key split across lines", subject: "leak-encoded/split.yaml", code: 1,
			want: []string{"R16: an API key issued by the fakes appears in stderr (split across lines)"}},
		{name: "key in base64", subject: "leak-encoded/base64.yaml", code: 1,
			want: []string{"R16: an API key issued by the fakes appears in stderr (base64)"}},
		{name: "key upper-cased", subject: "leak-encoded/upper.yaml", code: 1,
			want: []string{"R16: an API key issued by the fakes appears in stderr (upper-case)"}},
		{name: "key in hex", subject: "leak-encoded/hex.yaml", code: 1,
			want: []string{"R16: an API key issued by the fakes appears in stderr (hex)"}},
		{name: "key URL-encoded", subject: "leak-encoded/url.yaml", code: 1,
			want: []string{"R16: an API key issued by the fakes appears in stderr (URL-encoded)"}},
		{name: "key past where reports clip", subject: "leak-encoded/prefix.yaml", code: 1,
			want: []string{"R16: an API key issued by the fakes appears in stderr"}},
		{name: "floods stdout with 1 GiB", subject: "stdout-flood", code: 1,
			want: []string{"output flood: more than 1048576 bytes on stdout; process group killed"}},
		{name: "gateway floods stderr with 1 GiB", subject: "stderr-flood", args: []string{"--surface", "gateway"}, code: 1,
			want: []string{"output flood: more than 1048576 bytes on the gateway's stderr since the last reply; process group killed"}},
		{name: "gateway writes events for unknown ids and types", subject: "stray-events", args: []string{"--surface", "gateway"}, code: 1,
			want: []string{`protocol violation: events.jsonl:1: event for unknown request id "r999"`}},
		{name: "gateway key on stderr, scenarios and chaos", subject: "leak-gateway-stderr", args: []string{"--surface", "gateway", "--chaos"}, code: 1,
			want: []string{"R16: an API key issued by the fakes appears in gateway stderr", "chaos (gateway, 8 sessions × 20 turns): FAIL"}},
		{name: "gateway key in a stdout line that breaks the protocol", subject: "leak-gateway-stdout",
			args: []string{"--surface", "gateway", "--prop", "5", "--shrink-time", "2s", "--chaos"}, code: 1,
			want: []string{"R16: an API key issued by the fakes appears in gateway stdout", "not a JSON object in line \"debug: resolved with key [redacted]\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHostileRun(t)
			args := append([]string{"run", "--subject", hostileSubject(t, tc.subject), "--scenario", "SF-2", "--seed", "1", "--report-dir", "reports"}, tc.args...)
			if len(tc.args) == 0 {
				args = append(args, "--surface", "oneshot")
			}
			res := h.run(args...)
			res.want(t, tc.code, tc.want...)
			outs := []runResult{res}
			if _, err := os.Stat(filepath.Join(h.dir, "reports", "chaos.jsonl")); err == nil {
				// The history re-checked offline finds the same leak, and
				// prints no more of it.
				check := h.run("check", filepath.Join("reports", "chaos.jsonl"))
				check.want(t, 1)
				outs = append(outs, check)
			}
			h.assertClean(outs...)
		})
	}
}

// TestHostileKeptFolders: --keep keeps the case folders, scrubbed of the
// keys a subject wrote into them.
func TestHostileKeptFolders(t *testing.T) {
	t.Parallel()
	h := newHostileRun(t)
	res := h.run("run", "--subject", hostileSubject(t, "leak-encoded/base64.yaml"), "--surface", "oneshot", "--scenario", "SF-2", "--seed", "1", "--keep")
	res.want(t, 1, "case folder (kept): ")
	_ = filepath.WalkDir(h.tmp, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(path)
			h.assertNoSecret(path, string(b))
		}
		return nil
	})
	if err := os.RemoveAll(h.tmp); err != nil {
		t.Fatal(err)
	}
	_ = os.Mkdir(h.tmp, 0o700)
	h.assertClean(res)
}

// TestHostileSignals: Ctrl-C, SIGTERM and SIGHUP while a subject hangs end
// the command with exit 3 "interrupted", nothing left running and no
// folder left; an interrupted chaos history ends with an "interrupted"
// line, and check calls it incomplete (exit 3), not violations.
func TestHostileSignals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		sig  syscall.Signal
		args []string
	}{
		{"run, SIGHUP", syscall.SIGHUP, []string{"run", "--surface", "oneshot"}},
		{"run, SIGTERM", syscall.SIGTERM, []string{"run", "--surface", "oneshot"}},
		{"run, SIGINT", syscall.SIGINT, []string{"run", "--surface", "oneshot"}},
		{"chaos, SIGHUP", syscall.SIGHUP, []string{"chaos", "--surface", "gateway", "--sessions", "2", "--turns", "2", "--history", "history.jsonl"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHostileRun(t)
			h.ready = filepath.Join(h.dir, "ready")
			if err := syscall.Mkfifo(h.ready, 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := h.command(ctx, append(tc.args, "--subject", hostileSubject(t, "hang"), "--seed", "1")...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Block until a subject process runs and says so.
			f, err := os.Open(h.ready)
			if err != nil {
				t.Fatal(err)
			}
			line, _ := bufio.NewReader(f).ReadString('\n')
			f.Close()
			if line != "ready\n" {
				t.Fatalf("ready FIFO said %q", line)
			}
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			res := runResult{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
			res.want(t, 3, "fallbackgate: interrupted")
			outs := []runResult{res}
			if tc.args[0] == "chaos" {
				b, err := os.ReadFile(filepath.Join(h.dir, "history.jsonl"))
				if err != nil {
					t.Fatal(err)
				}
				lines := strings.Split(strings.TrimSpace(string(b)), "\n")
				if !strings.Contains(lines[len(lines)-1], `"kind":"interrupted"`) {
					t.Errorf("the history's last line is %s; want the interrupted line", lines[len(lines)-1])
				}
				check := h.run("check", "history.jsonl")
				check.want(t, 3, "incomplete: history.jsonl: the chaos run was interrupted")
				outs = append(outs, check)
			}
			h.assertClean(outs...)
		})
	}
}

// TestHostileInputs: input files that lie are bad input (exit 2) with a
// message naming the file, the line and the field, in the file's words.
func TestHostileInputs(t *testing.T) {
	t.Parallel()
	h := newHostileRun(t)
	res := h.run("chaos", "--in-process", "--sessions", "4", "--turns", "10", "--seed", "1", "--history", "good.jsonl")
	res.want(t, 0)
	good, err := os.ReadFile(filepath.Join(h.dir, "good.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(good)), "\n")
	startup := -1
	for i, l := range lines {
		if strings.Contains(l, `"kind":"startup"`) && strings.Contains(l, `"status":`) {
			startup = i
			break
		}
	}
	if startup < 0 {
		t.Fatal("no start-up with a provider call in the history")
	}
	edit := func(i int, f func(map[string]any)) []string {
		out := append([]string(nil), lines...)
		var m map[string]any
		if err := json.Unmarshal([]byte(out[i]), &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		out[i] = string(b)
		return out
	}
	write := func(name string, ls []string) string {
		if err := os.WriteFile(filepath.Join(h.dir, name), []byte(strings.Join(ls, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return name
	}
	scenario := func(name, text string) string {
		if err := os.WriteFile(filepath.Join(h.dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return name
	}
	sf2, err := os.ReadFile(filepath.Join("..", "..", "scenarios", "files", "SF-2.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "afile"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ln := strconv.Itoa(startup + 1)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"history with an unknown surface", []string{"check", write("surface.jsonl", edit(0, func(m map[string]any) { m["run"].(map[string]any)["surface"] = "toaster" }))},
			`surface.jsonl:1: run.surface: "toaster" is not a surface chaos runs on`},
		{"history with status 999", []string{"check", write("status.jsonl", edit(startup, func(m map[string]any) {
			m["startup"].(map[string]any)["calls"].([]any)[0].(map[string]any)["status"] = 999
		}))}, "status.jsonl:" + ln + ": startup.calls[0].status: 999 is not an HTTP status"},
		{"history with exit code 999", []string{"check", write("exit.jsonl", edit(startup, func(m map[string]any) { m["startup"].(map[string]any)["exit_code"] = 999 }))},
			"exit.jsonl:" + ln + ": startup.exit_code: 999 is not an exit code"},
		{"history with a start-up twice", []string{"check", write("dup.jsonl", append(append([]string(nil), lines...), lines[startup]))},
			"dup.jsonl:" + strconv.Itoa(len(lines)+1) + ": startup.id: start-up"},
		{"history with two run lines", []string{"check", write("runs.jsonl", append([]string{lines[0]}, lines...))},
			"runs.jsonl:2: kind: a second run line"},
		{"history that does not parse", []string{"check", write("garbage.jsonl", append(append([]string(nil), lines...), `{"kind": "startup", "startup": {"exit_code": "zero"}}`))},
			"garbage.jsonl:" + strconv.Itoa(len(lines)+1) + ": startup.exit_code: want a number, got a JSON string"},
		{"duplicate scenario ids", []string{"run", "--scenario-file", scenario("a.yaml", string(sf2)), "--scenario-file", scenario("b.yaml", string(sf2))},
			"b.yaml: id: SF-2 is already the id of a.yaml"},
		{"unknown rule", []string{"run", "--scenario-file", scenario("r99.yaml", strings.Replace(string(sf2), "rules: [", "rules: [R99, ", 1))},
			`r99.yaml: rules[0]: "R99" is not a rule of CONTRACT.md`},
		{"expect that disagrees with the model", []string{"run", "--scenario-file", scenario("lie.yaml", strings.Replace(string(sf2), "landed: 0", "landed: 1", 1))},
			"lie.yaml:"},
		{"unknown key", []string{"run", "--scenario-file", scenario("colour.yaml", string(sf2)+"colour: red\n")},
			"colour: unknown key"},
		{"expectations of the wrong shape", []string{"run", "--expect", scenario("expect.yaml", "known_failures: {scenario: SF-1}\n")},
			"expect.yaml: line 1: want a list, got a mapping"},
		{"report folder that is a file", []string{"run", "--report-dir", "afile"}, "run: --report-dir afile: not a folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := h.run(tc.args...)
			res.want(t, 2, tc.want)
			for _, goName := range []string{"struct {", "harness.", "reports.", "chaos.", "Go struct", "json: "} {
				if strings.Contains(res.stderr, goName) {
					t.Errorf("message names Go's types (%q): %s", goName, res.stderr)
				}
			}
			if strings.Contains(res.stdout, "fallbackgate run:") {
				t.Errorf("the run started before its input was checked:\n%s", res.stdout)
			}
		})
	}
	if !strings.Contains(h.run("run", "--scenario-file", "lie.yaml").stderr, "expect.landed: the file says 1, the model says 0 (profile strict)") {
		t.Error("a disagreeing expect does not name the field, what the file says and what the model says")
	}
	h.assertClean()
}
