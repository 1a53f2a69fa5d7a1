package exec

import (
	"fmt"
	"os/exec"
	"strings"
	"sync"

	"github.com/fallbackgate/fallbackgate/harness"
)

// This file keeps track of every process the exec surfaces start, so that
// after a case (or a gateway) ends the harness can find what its subject
// left running outside its process group and kill it. On Linux the
// harness is then a child subreaper (Subreaper): a descendant whose parent
// dies is reparented to the harness instead of to init, so a process that
// called setsid or setpgid is still ours to find, kill and wait for.

// registry is the processes of subject cases that have not been settled:
// started, or exited but not yet swept.
var registry = struct {
	// mu is held for reading across a fork and its registration, and for
	// writing by a sweep, so that a sweep never takes a child being born
	// for a stray.
	mu sync.RWMutex
	// subreaper is set once Subreaper succeeded.
	subreaper bool
	// procs maps each registered leader's pid to its marker (see marker).
	procs map[int]string
}{procs: map[int]string{}}

// Subreaper makes this process a child subreaper where the system has them
// (Linux, PR_SET_CHILD_SUBREAPER), and turns on the sweep that runs after
// every case and gateway: a descendant the harness did not start, or one a
// subject left behind outside its process group, is killed and waited for,
// and the case fails R17 naming its command line. A process that calls
// Subreaper must start every child through this package: a sweep kills any
// other child of its own. The command's main calls it once; tests of the
// library do not.
func Subreaper() error {
	if err := setSubreaper(); err != nil {
		return err
	}
	registry.mu.Lock()
	registry.subreaper = true
	registry.mu.Unlock()
	return nil
}

// startRegistered starts cmd and registers its process with marker, so that
// a concurrent sweep never mistakes it for a stray.
func startRegistered(cmd *exec.Cmd) error {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	registryAdd(cmd.Process.Pid, marker(cmd.Env))
	return nil
}

func registryAdd(pid int, m string) {
	regProcsMu.Lock()
	registry.procs[pid] = m
	regProcsMu.Unlock()
}

// regProcsMu guards registry.procs, which registrations under the read lock
// change concurrently.
var regProcsMu sync.Mutex

// unregister forgets the process pid once it was swept.
func unregister(pid int) {
	regProcsMu.Lock()
	delete(registry.procs, pid)
	regProcsMu.Unlock()
}

// marker is what tells the processes of one case from another's in
// /proc/PID/environ: the protocol's variable naming its case file or its
// events file, unique to the case (or the gateway).
func marker(env []string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if strings.HasPrefix(env[i], harness.EnvCase+"=") || strings.HasPrefix(env[i], harness.EnvEvents+"=") {
			return env[i]
		}
	}
	return ""
}

// stray is a process a sweep killed: its pid and command line.
type stray struct {
	pid     int
	cmdline string
}

func (s stray) String() string { return fmt.Sprintf("%q (pid %d)", s.cmdline, s.pid) }

// describeStrays lists what a sweep killed, for a failure message.
func describeStrays(ss []stray) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.String()
	}
	return strings.Join(parts, ", ")
}

// Sweep kills and waits for every descendant of this process that no
// registered case owns, and returns them. It does nothing unless
// Subreaper succeeded. The command calls it on its way out, whatever the
// way.
func Sweep() []string {
	var out []string
	for _, s := range sweep(0) {
		out = append(out, s.String())
	}
	return out
}
