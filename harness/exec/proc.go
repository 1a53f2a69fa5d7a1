package exec

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
)

// proc is a started subject process in its own process group.
type proc struct {
	cmd  *exec.Cmd
	pgid int

	// exited is closed once the leader was reaped and its group killed;
	// state, waitErr, leftover and survivors are set before.
	exited    chan struct{}
	state     *os.ProcessState
	waitErr   error
	leftover  bool
	survivors error
	// escaped are the processes it left running outside its group, which
	// the sweep after it killed (only where the harness is a subreaper).
	escaped []stray

	mu     sync.Mutex // guards reaped against kill
	reaped bool

	pipes   []*os.File
	readers sync.WaitGroup
	ioOnce  sync.Once
}

// startProc starts cmd in a new process group with stdout handed to
// onStdout and stderr drained into stderr, and reaps it in the background.
// ready, when set, is called with the process before anything reads its
// output (to wire the captures' onFlood to it).
func startProc(cmd *exec.Cmd, onStdout func(io.Reader), stderr *capture, ready func(*proc)) (*proc, error) {
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
	err = startRegistered(cmd)
	wOut.Close()
	wErr.Close()
	if err != nil {
		rOut.Close()
		rErr.Close()
		return nil, fmt.Errorf("%w: cannot execute %q: %w", harness.ErrNotStarted, cmd.Path, err)
	}
	p := &proc{
		cmd:    cmd,
		pgid:   cmd.Process.Pid,
		exited: make(chan struct{}),
		pipes:  []*os.File{rOut, rErr},
	}
	if ready != nil {
		ready(p)
	}
	p.readers.Add(2)
	go func() { defer p.readers.Done(); onStdout(rOut) }()
	go func() { defer p.readers.Done(); stderr.drain(rErr) }()
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
	p.escaped = sweep(p.pgid)
	unregister(p.pgid)
}

// escapedFailure describes the processes the sweep after p killed; "" for
// none.
func (p *proc) escapedFailure() string {
	if len(p.escaped) == 0 {
		return ""
	}
	return "left processes running outside its process group: " + describeStrays(p.escaped) + "; killed them"
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
