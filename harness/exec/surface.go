package exec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
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
	// drainGrace bounds the wait for output pipes to reach end-of-file once
	// the process group is dead (a process that left the group may still
	// hold them).
	drainGrace = 500 * time.Millisecond
	// settleTimeout bounds the wait for killed group members to die.
	settleTimeout = 2 * time.Second
)

// Option configures an exec surface returned by [Manifest.Surface].
type Option func(*execConfig)

type execConfig struct {
	keep         bool
	scratchRoot  string
	captureLimit int
	grace        time.Duration
}

// KeepDir keeps every scratch folder instead of removing it after the case,
// so that a failure can be reproduced by hand; Outcome.Dir names it.
func KeepDir() Option { return func(c *execConfig) { c.keep = true } }

// ScratchRoot creates scratch folders under dir instead of os.TempDir().
func ScratchRoot(dir string) Option { return func(c *execConfig) { c.scratchRoot = dir } }

// CloseGrace sets how long Close waits for the gateway to exit after its
// stdin closed before killing its process group.
func CloseGrace(d time.Duration) Option { return func(c *execConfig) { c.grace = d } }

// Surface drives one surface of a subject it did not build, as a child
// process speaking PROTOCOL.md. Every process runs in its own process group;
// when a case ends (normally, on timeout or on cancellation) the whole group
// is killed, so nothing the subject started outlives the case. Oneshot and
// cli start one process per case; the gateway starts one process on the
// first Start (or Open) and multiplexes every case over it. An Surface is
// safe for concurrent use. The caller must call Close.
type Surface struct {
	name string
	argv []string
	m    *Manifest
	cfg  execConfig

	mu     sync.Mutex
	gw     *gateway
	closed bool
}

// Name returns the surface name.
func (s *Surface) Name() string { return s.name }

// Start runs the case c and reports what the subject did. Timeouts, crashes,
// output floods and protocol violations are in Outcome.Failure; the error is
// only for failures of the harness itself (a scratch folder that could not
// be written, a program that could not be started).
func (s *Surface) Start(ctx context.Context, c harness.Case) (harness.Outcome, error) {
	if c.Protocol == "" {
		c.Protocol = harness.Protocol
	}
	if c.Surface == "" {
		c.Surface = s.name
	}
	if s.name != harness.Gateway {
		return s.runProcess(ctx, c)
	}
	g, err := s.gateway()
	if err != nil {
		return harness.Outcome{Surface: s.name, ExitCode: -1}, err
	}
	return g.do(ctx, c)
}

// Open starts the gateway process now instead of on the first Start. It does
// nothing for oneshot and cli.
func (s *Surface) Open() error {
	if s.name != harness.Gateway {
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
func (s *Surface) Close() error {
	s.mu.Lock()
	g := s.gw
	s.closed = true
	s.mu.Unlock()
	if g == nil {
		return nil
	}
	return g.close()
}

// Renew returns a new surface like s with no process of its own yet: the
// gate re-runs a case alone on it (see harness.Outcome.GatewayDied).
func (s *Surface) Renew() harness.Surface {
	return &Surface{name: s.name, argv: s.argv, m: s.m, cfg: s.cfg}
}

func (s *Surface) timeout() time.Duration { return s.m.CaseTimeout() }

// env returns the environment of a subject process (PROTOCOL.md "Subject
// manifest"): never the harness's own, which on a CI runner holds real
// credentials, but PATH, LANG, LC_*, TZ and what pass_env names from it;
// then the manifest's env; then HOME and TMPDIR inside the case's folder,
// the proxy variables of the isolation recorder, and extra (the protocol's
// variables).
func (s *Surface) env(dir string, rec *recorder, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "PATH" || k == "LANG" || k == "TZ" || strings.HasPrefix(k, "LC_") || s.m.passes(k) {
			env = append(env, kv)
		}
	}
	keys := make([]string, 0, len(s.m.Env))
	for k := range s.m.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		env = append(env, k+"="+s.m.Env[k])
	}
	env = append(env, "HOME="+filepath.Join(dir, "home"), "TMPDIR="+filepath.Join(dir, "tmp"))
	if rec != nil {
		env = append(env, rec.env()...)
	}
	return append(env, extra...)
}

// command returns the command of a subject process whose case folder is
// dir (it must hold home/ and tmp/).
func (s *Surface) command(dir string, rec *recorder, extraEnv ...string) *exec.Cmd {
	cmd := exec.Command(s.argv[0], s.argv[1:]...)
	cmd.Env = s.env(dir, rec, extraEnv...)
	cmd.Dir = s.m.Dir
	return cmd
}

func (s *Surface) scratch(kind string) (string, error) {
	dir, err := os.MkdirTemp(s.cfg.scratchRoot, "fallbackgate-"+kind+"-*")
	if err != nil {
		return "", fmt.Errorf("%s: %s: scratch folder: %w", s.m.source(), s.name, err)
	}
	return dir, nil
}

// runProcess runs one oneshot or cli case in a fresh process.
func (s *Surface) runProcess(ctx context.Context, c harness.Case) (out harness.Outcome, err error) {
	out = harness.Outcome{Surface: s.name, ExitCode: -1}
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
	casePath, stdinPath, err := writeCaseDir(dir, c, s.name == harness.CLI)
	if err != nil {
		return out, fmt.Errorf("%s: %s: case %s: %w", s.m.source(), s.name, c.ID, err)
	}

	rec, err := startRecorder()
	if err != nil {
		return out, err
	}
	defer rec.Close()
	cmd := s.command(dir, rec, harness.EnvCase+"="+casePath)
	if stdinPath != "" {
		f, err := os.Open(stdinPath)
		if err != nil {
			return out, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	stdout, stderr := newCapture(s.cfg.captureLimit), newCapture(s.cfg.captureLimit)
	p, err := startProc(cmd, stdout.drain, stderr, func(p *proc) { stdout.onFlood, stderr.onFlood = p.kill, p.kill })
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
	out.Stdout, out.Stderr = stdout.String(), stderr.String()
	if stdout.Truncated() {
		failures = append(failures, stdout.overflow("stdout"))
	}
	if stderr.Truncated() {
		failures = append(failures, stderr.overflow("stderr"))
	}
	out.Truncated = stdout.Truncated() || stderr.Truncated()
	killed := len(failures) > 0
	out.Exited = !killed
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
	if f := p.escapedFailure(); f != "" {
		failures = append(failures, f)
	}

	if f := isolationFailure(rec.take()); f != "" {
		failures = append(failures, f)
	}
	events, err := readEvents(c.Events)
	out.Events = events
	if s.cfg.keep {
		// A kept folder is an artifact: nothing a subject wrote there
		// may carry a secret.
		if _, err := scrubKept(dir); err != nil {
			failures = append(failures, "kept case folder: "+err.Error())
		}
	}
	switch {
	case err != nil:
		failures = append(failures, "protocol violation: "+err.Error())
	case !killed && out.ExitCode >= 0 && out.ExitCode != harness.ExitUsage && !hasOutcomeEvent(events):
		failures = append(failures, fmt.Sprintf("protocol violation: exited with code %d but wrote no %q or %q event", out.ExitCode, harness.EventStarted, harness.EventFailed))
	}
	out.Failure = strings.Join(failures, "; ")
	return out, nil
}

func hasOutcomeEvent(events []harness.Event) bool {
	return slices.ContainsFunc(events, func(e harness.Event) bool { return e.Event == harness.EventStarted || e.Event == harness.EventFailed })
}

// writeCaseDir writes case.json, an empty events file, home/config.yaml and,
// for the cli, the prompt file that becomes stdin.
func writeCaseDir(dir string, c harness.Case, withStdin bool) (casePath, stdinPath string, err error) {
	if err := os.Mkdir(c.Home, 0o700); err != nil {
		return "", "", err
	}
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o700); err != nil {
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

// readEvents reads and strictly parses the events file of one case,
// within the protocol's bounds (readEventsFile).
func readEvents(path string) ([]harness.Event, error) {
	data, err := readEventsFile(path)
	if err != nil || data == nil {
		return nil, err
	}
	return harness.ParseEvents("events.jsonl", data)
}
