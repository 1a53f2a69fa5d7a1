package exec

import (
	"bytes"
	"os"
	"strconv"
)

// liveMembers counts the processes of group pgid that are not zombies, by
// scanning /proc. It is only called when kill(-pgid, 0) found the group.
func liveMembers(pgid int) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 1 // cannot tell: assume alive, so that the group gets killed
	}
	want := []byte(strconv.Itoa(pgid))
	n := 0
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		state, pgrp, ok := procStat(e.Name())
		if ok && state != 'Z' && state != 'X' && bytes.Equal(pgrp, want) {
			n++
		}
	}
	return n
}

// procStat returns the state and process group of /proc/PID/stat.
func procStat(pid string) (state byte, pgrp []byte, ok bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, nil, false
	}
	// pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, nil, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 3 || len(f[0]) != 1 {
		return 0, nil, false
	}
	return f[0][0], f[2], true
}
