package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.yaml.in/yaml/v3"
)

// Capture and clean-up bounds of the exec surfaces.
const (
	// DefaultCaptureLimit is how much of stdout and of stderr is kept per
	// process; the rest is read and discarded so the subject never blocks.
	DefaultCaptureLimit = 1 << 20
	// DefaultCloseGrace is how long Close waits for a gateway to exit after
	// its stdin closed before killing it.
	DefaultCloseGrace = 5 * time.Second
	// maxEventsFile bounds the events file of one oneshot or cli case.
	maxEventsFile = 16 << 20
	// drainGrace bounds the wait for output pipes to reach end-of-file once
	// the process group is dead (a process that left the group may still
	// hold them).
	drainGrace = 500 * time.Millisecond
	// settleTimeout bounds the wait for killed group members to die.
	settleTimeout = 2 * time.Second
)

// ExecOption configures an exec surface returned by [Manifest.Surface].
type ExecOption func(*execConfig)

type execConfig struct {
	keep         bool
	scratchRoot  string
	captureLimit int
	grace        time.Duration
}

// KeepDir keeps every scratch folder instead of removing it after the case,
// so that a failure can be reproduced by hand; Outcome.Dir names it.
func KeepDir() ExecOption { return func(c *execConfig) { c.keep = true } }

// ScratchRoot creates scratch folders under dir instead of os.TempDir().
func ScratchRoot(dir string) ExecOption { return func(c *execConfig) { c.scratchRoot = dir } }

// CaptureLimit keeps at most n bytes of stdout and of stderr per process.
func CaptureLimit(n int) ExecOption { return func(c *execConfig) { c.captureLimit = n } }

// CloseGrace sets how long Close waits for the gateway to exit after its
// stdin closed before killing its process group.
func CloseGrace(d time.Duration) ExecOption { return func(c *execConfig) { c.grace = d } }

// ExecSurface drives one surface of a subject it did not build, as a child
// process speaking PROTOCOL.md. Every process runs in its own process group;
// when a case ends (normally, on timeout or on cancellation) the whole group
// is killed, so nothing the subject started outlives the case. Oneshot and
// cli start one process per case; the gateway starts one process on the
// first Start (or Open) and multiplexes every case over it. An ExecSurface is
// safe for concurrent use. The caller must call Close.
type ExecSurface struct {
	name string
	argv []string
	m    *Manifest
	cfg  execConfig

	mu     sync.Mutex
	gw     *gateway
	closed bool
}

// Name returns the surface name.
func (s *ExecSurface) Name() string { return s.name }

// Start runs the case c and reports what the subject did. Timeouts, crashes,
// output floods and protocol violations are in Outcome.Failure; the error is
// only for failures of the harness itself (a scratch folder that could not
// be written, a program that could not be started).
func (s *ExecSurface) Start(ctx context.Context, c Case) (Outcome, error) {
	if c.Protocol == "" {
		c.Protocol = Protocol
	}
	if c.Surface == "" {
		c.Surface = s.name
	}
	if s.name != Gateway {
		return s.runProcess(ctx, c)
	}
	g, err := s.gateway()
	if err != nil {
		return Outcome{Surface: s.name, ExitCode: -1}, err
	}
	return g.do(ctx, c)
}

// Open starts the gateway process now instead of on the first Start. It does
// nothing for oneshot and cli.
func (s *ExecSurface) Open() error {
	if s.name != Gateway {
		return nil
	}
	_, err := s.gateway()
	return err
}

// Close stops the gateway: it closes its stdin, waits up to the close grace
// for it to exit, then kills its process group. It reports a gateway that
// crashed or violated the protocol during the run, exited non-zero, or had to
// be killed. It does nothing for oneshot and cli, whose processes never
// outlive their case.
func (s *ExecSurface) Close() error {
	s.mu.Lock()
	g := s.gw
	s.closed = true
	s.mu.Unlock()
	if g == nil {
		return nil
	}
	return g.close()
}

// fresh returns a new surface like s with no process of its own yet: the
// runner re-runs a case alone on it (see [Outcome.GatewayDied]).
func (s *ExecSurface) fresh() Surface {
	return &ExecSurface{name: s.name, argv: s.argv, m: s.m, cfg: s.cfg}
}

// GatewayStderr returns what the gateway process wrote on stderr so far, cut
// at the capture limit, and whether it was cut.
func (s *ExecSurface) GatewayStderr() (string, bool) {
	s.mu.Lock()
	g := s.gw
	s.mu.Unlock()
	if g == nil {
		return "", false
	}
	return g.p.stderr.String(), g.p.stderr.Truncated()
}

func (s *ExecSurface) timeout() time.Duration { return s.m.CaseTimeout() }

// env returns the environment of a subject process: the harness's, without
// inherited FALLBACKGATE_ variables, then the manifest's, then extra.
func (s *ExecSurface) env(extra ...string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, EnvCase+"=") || strings.HasPrefix(kv, EnvEvents+"=")
	})
	keys := make([]string, 0, len(s.m.Env))
	for k := range s.m.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		env = append(env, k+"="+s.m.Env[k])
	}
	return append(env, extra...)
}

func (s *ExecSurface) command(extraEnv ...string) *exec.Cmd {
	cmd := exec.Command(s.argv[0], s.argv[1:]...)
	cmd.Env = s.env(extraEnv...)
	cmd.Dir = s.m.Dir
	return cmd
}

func (s *ExecSurface) scratch(kind string) (string, error) {
	dir, err := os.MkdirTemp(s.cfg.scratchRoot, "fallbackgate-"+kind+"-*")
	if err != nil {
		return "", fmt.Errorf("%s: %s: scratch folder: %w", s.m.source(), s.name, err)
	}
	return dir, nil
}

// runProcess runs one oneshot or cli case in a fresh process.
func (s *ExecSurface) runProcess(ctx context.Context, c Case) (out Outcome, err error) {
	out = Outcome{Surface: s.name, ExitCode: -1}
	if err := ctx.Err(); err != nil {
		out.Failure = "not started: " + err.Error()
		return out, nil
	}
	dir, err := s.scratch("case")
	if err != nil {
		return out, err
	}
	if s.cfg.keep {
		out.Dir = dir
	} else {
		defer os.RemoveAll(dir)
	}
	c.Events = filepath.Join(dir, "events.jsonl")
	c.Home = filepath.Join(dir, "home")
	casePath, stdinPath, err := writeCaseDir(dir, c, s.name == CLI)
	if err != nil {
		return out, fmt.Errorf("%s: %s: case %s: %w", s.m.source(), s.name, c.ID, err)
	}

	cmd := s.command(EnvCase + "=" + casePath)
	if stdinPath != "" {
		f, err := os.Open(stdinPath)
		if err != nil {
			return out, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	stdout := newCapture(s.cfg.captureLimit)
	p, err := startProc(cmd, stdout.drain, s.cfg.captureLimit)
	if err != nil {
		return out, fmt.Errorf("%s: %s: %w", s.m.source(), s.name, err)
	}
	defer p.kill() // a panic below must not leave the group running

	var failures []string
	timer := time.NewTimer(s.timeout())
	defer timer.Stop()
	select {
	case <-p.exited:
	case <-timer.C:
		p.kill()
		<-p.exited
		failures = append(failures, fmt.Sprintf("timed out after %v; process group killed", s.timeout()))
	case <-ctx.Done():
		p.kill()
		<-p.exited
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			failures = append(failures, "timed out at the caller's deadline; process group killed")
		} else {
			failures = append(failures, "cancelled: "+ctx.Err().Error()+"; process group killed")
		}
	}
	p.finishIO()
	killed := len(failures) > 0

	out.Stdout, out.Stderr = stdout.String(), p.stderr.String()
	if stdout.Truncated() {
		failures = append(failures, stdout.overflow("stdout"))
	}
	if p.stderr.Truncated() {
		failures = append(failures, p.stderr.overflow("stderr"))
	}
	out.Truncated = stdout.Truncated() || p.stderr.Truncated()
	if !killed {
		if f := p.exitFailure(); f != "" {
			failures = append(failures, f)
		} else {
			out.ExitCode = p.exitCode()
		}
	}
	if p.leftover && !killed {
		failures = append(failures, "left processes running in its process group after it exited; killed them")
	}
	if p.survivors != nil {
		failures = append(failures, p.survivors.Error())
	}

	events, err := readEvents(c.Events)
	out.Events = events
	switch {
	case err != nil:
		failures = append(failures, "protocol violation: "+err.Error())
	case !killed && out.ExitCode >= 0 && out.ExitCode != ExitUsage && !hasOutcomeEvent(events):
		failures = append(failures, fmt.Sprintf("protocol violation: exited with code %d but wrote no %q or %q event", out.ExitCode, EventStarted, EventFailed))
	}
	out.Failure = strings.Join(failures, "; ")
	return out, nil
}

func hasOutcomeEvent(events []Event) bool {
	return slices.ContainsFunc(events, func(e Event) bool { return e.Event == EventStarted || e.Event == EventFailed })
}

// writeCaseDir writes case.json, an empty events file, home/config.yaml and,
// for the cli, the prompt file that becomes stdin.
func writeCaseDir(dir string, c Case, withStdin bool) (casePath, stdinPath string, err error) {
	if err := os.Mkdir(c.Home, 0o700); err != nil {
		return "", "", err
	}
	cfg, err := yaml.Marshal(c.Config)
	if err != nil {
		return "", "", fmt.Errorf("config.yaml: %w", err)
	}
	if err := os.WriteFile(filepath.Join(c.Home, "config.yaml"), cfg, 0o600); err != nil {
		return "", "", err
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return "", "", fmt.Errorf("case.json: %w", err)
	}
	casePath = filepath.Join(dir, "case.json")
	if err := os.WriteFile(casePath, append(data, '\n'), 0o600); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(c.Events, nil, 0o600); err != nil {
		return "", "", err
	}
	if withStdin {
		stdinPath = filepath.Join(dir, "stdin")
		if err := os.WriteFile(stdinPath, []byte(c.Prompt+"\n"), 0o600); err != nil {
			return "", "", err
		}
	}
	return casePath, stdinPath, nil
}

// readEvents reads and strictly parses the events file of one case.
func readEvents(path string) ([]Event, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxEventsFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxEventsFile {
		return nil, fmt.Errorf("events.jsonl is larger than %d bytes", maxEventsFile)
	}
	return ParseEvents("events.jsonl", data)
}

// proc is a started subject process in its own process group.
type proc struct {
	cmd    *exec.Cmd
	pgid   int
	stderr *capture

	// exited is closed once the leader was reaped and its group killed;
	// state, waitErr, leftover and survivors are set before.
	exited    chan struct{}
	state     *os.ProcessState
	waitErr   error
	leftover  bool
	survivors error

	mu     sync.Mutex // guards reaped against kill
	reaped bool

	pipes   []*os.File
	readers sync.WaitGroup
	ioOnce  sync.Once
}

// startProc starts cmd in a new process group with stdout handed to
// onStdout and stderr captured, and reaps it in the background.
func startProc(cmd *exec.Cmd, onStdout func(io.Reader), captureLimit int) (*proc, error) {
	rOut, wOut, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	rErr, wErr, err := os.Pipe()
	if err != nil {
		rOut.Close()
		wOut.Close()
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = wOut, wErr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	wOut.Close()
	wErr.Close()
	if err != nil {
		rOut.Close()
		rErr.Close()
		return nil, fmt.Errorf("cannot start %q: %w", cmd.Path, err)
	}
	p := &proc{
		cmd:    cmd,
		pgid:   cmd.Process.Pid,
		stderr: newCapture(captureLimit),
		exited: make(chan struct{}),
		pipes:  []*os.File{rOut, rErr},
	}
	p.readers.Add(2)
	go func() { defer p.readers.Done(); onStdout(rOut) }()
	go func() { defer p.readers.Done(); p.stderr.drain(rErr) }()
	go p.reap()
	return p, nil
}

// reap waits for the leader to exit and reaps it, then looks for members of
// its group still alive (children that outlived it) and kills them, waiting
// until none is alive.
func (p *proc) reap() {
	defer close(p.exited)
	err := p.cmd.Wait()
	p.mu.Lock()
	p.waitErr, p.state, p.reaped = err, p.cmd.ProcessState, true
	p.mu.Unlock()
	p.leftover, p.survivors = settleGroup(p.pgid)
}

// settleGroup kills the members of the process group pgid that are still
// alive after its leader was reaped, and waits until none is. It reports
// whether there were any. The common case costs one kill(2): the group is
// empty. Zombies, which only wait for init to reap them, do not count.
//
// The leader is reaped before the group is probed, so in theory its pid could
// be reused as a new group id in between; a pid is reused only after the
// kernel cycled through every other one, and the probe only goes on to kill
// when it finds live members.
func settleGroup(pgid int) (leftover bool, survivors error) {
	if syscall.Kill(-pgid, 0) != nil {
		return false, nil
	}
	if liveMembers(pgid) == 0 {
		return false, nil
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	deadline := time.Now().Add(settleTimeout)
	for wait := time.Millisecond; liveMembers(pgid) > 0; wait = min(2*wait, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			return true, fmt.Errorf("process group %d still has live processes %v after SIGKILL", pgid, settleTimeout)
		}
		time.Sleep(wait) // polling: the kernel does not notify the death of a process we are not the parent of
	}
	return true, nil
}

// kill sends SIGKILL to the whole process group, unless the leader was
// already reaped (then reap has killed the group itself, and the id may be
// reused).
func (p *proc) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.reaped {
		_ = syscall.Kill(-p.pgid, syscall.SIGKILL)
	}
}

// finishIO waits for the output readers once the process exited; pipes
// still held open by a process outside the group are cut after drainGrace.
func (p *proc) finishIO() {
	p.ioOnce.Do(func() {
		<-p.exited
		done := make(chan struct{})
		go func() { p.readers.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(drainGrace):
			for _, f := range p.pipes {
				_ = f.SetReadDeadline(time.Now())
			}
			<-done
		}
		for _, f := range p.pipes {
			f.Close()
		}
	})
}

// exitFailure describes an exit by signal; "" for a normal exit.
func (p *proc) exitFailure() string {
	if p.state == nil {
		return fmt.Sprintf("crashed: %v", p.waitErr)
	}
	if ws, ok := p.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return fmt.Sprintf("crashed: signal %v", ws.Signal())
	}
	return ""
}

func (p *proc) exitCode() int {
	if p.state == nil {
		return -1
	}
	return p.state.ExitCode()
}

// describeExit says how the process ended, e.g. "exited with code 3".
func (p *proc) describeExit() string {
	if f := p.exitFailure(); f != "" {
		return strings.TrimPrefix(f, "crashed: ")
	}
	return fmt.Sprintf("exited with code %d", p.exitCode())
}

// capture keeps the first limit bytes written and counts the rest.
type capture struct {
	mu    sync.Mutex
	limit int
	buf   []byte
	total int64
}

func newCapture(limit int) *capture { return &capture{limit: limit} }

// drain reads r to its end, keeping what fits.
func (c *capture) drain(r io.Reader) {
	b := make([]byte, 64<<10)
	for {
		n, err := r.Read(b)
		if n > 0 {
			c.mu.Lock()
			if room := c.limit - len(c.buf); room > 0 {
				c.buf = append(c.buf, b[:min(n, room)]...)
			}
			c.total += int64(n)
			c.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.buf)
}

func (c *capture) Truncated() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total > int64(len(c.buf))
}

// tail returns the last n kept bytes, for crash messages.
func (c *capture) tail(n int) string {
	s := strings.TrimSpace(c.String())
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

func (c *capture) overflow(stream string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("output flood: wrote %d bytes on %s, more than the capture limit of %d", c.total, stream, c.limit)
}
