package exec

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/fallbackgate/fallbackgate/fakes"
)

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER of prctl(2).
const prSetChildSubreaper = 36

func setSubreaper() error {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		return errno
	}
	return nil
}

// maxSweepRounds bounds a sweep: each round kills what it found and waits
// for it, and the grandchildren that reparents to the harness are the next
// round's.
const maxSweepRounds = 64

// sweep kills and waits for the strays among this process's children: a
// child that is no registered leader, is not in the process group of
// another registered case, and does not carry another registered case's
// marker. own is the leader the sweep runs for, whose pid is also its
// process group's id (0 for the final sweep): a member of its group is
// waited for but not reported (its leftover was reported by the group's
// settling). It returns what it killed outside own's group, each with its
// command line.
func sweep(own int) []stray {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if !registry.subreaper {
		return nil
	}
	regProcsMu.Lock()
	others := map[int]bool{}
	otherMarkers := map[string]bool{}
	for pid, m := range registry.procs {
		if pid != own {
			others[pid] = true
			if m != "" {
				otherMarkers[m] = true
			}
		}
	}
	regProcsMu.Unlock()
	self := os.Getpid()
	var found []stray
	seen := map[int]bool{}
	for range maxSweepRounds {
		var victims []int
		for _, pid := range children(self) {
			if others[pid] || seen[pid] {
				continue
			}
			_, pgrp, ok := procStat(strconv.Itoa(pid))
			if !ok {
				continue
			}
			pg, _ := strconv.Atoi(string(pgrp))
			if others[pg] || (pg != own && otherMarkers[environMarker(pid)]) {
				continue
			}
			victims = append(victims, pid)
		}
		if len(victims) == 0 {
			break
		}
		for _, pid := range victims {
			seen[pid] = true
			var tree []int
			collect(pid, &tree)
			for _, p := range tree {
				state, pgrp, ok := procStat(strconv.Itoa(p))
				if pg, _ := strconv.Atoi(string(pgrp)); ok && (own == 0 || pg != own) && state != 'Z' && state != 'X' {
					found = append(found, stray{pid: p, cmdline: cmdline(p)})
				}
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
			var ws syscall.WaitStatus
			for {
				_, err := syscall.Wait4(pid, &ws, 0, nil)
				if err != syscall.EINTR {
					break
				}
			}
		}
	}
	return found
}

// children returns the children of pid, from every thread's children list.
func children(pid int) []int {
	tasks, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		return nil
	}
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + t.Name() + "/children")
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// collect appends pid and every descendant of it to tree.
func collect(pid int, tree *[]int) {
	*tree = append(*tree, pid)
	if len(*tree) > 4096 {
		return
	}
	for _, c := range children(pid) {
		collect(c, tree)
	}
}

// environMarker returns the marker in the environment pid was started with.
func environMarker(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return ""
	}
	var env []string
	for _, kv := range bytes.Split(b, []byte{0}) {
		env = append(env, string(kv))
	}
	return marker(env)
}

// cmdline returns the command line of pid, its arguments joined by spaces,
// redacted, then cut at 200 bytes.
func cmdline(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(b) == 0 {
		return "?"
	}
	s := fakes.Redact(strings.TrimSpace(string(bytes.ReplaceAll(b, []byte{0}, []byte{' '}))))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
