//go:build unix && !linux

package exec

import "syscall"

// liveMembers reports 1 when the group pgid has any member (zombies cannot
// be told apart without /proc), else 0.
func liveMembers(pgid int) int {
	if syscall.Kill(-pgid, 0) == nil {
		return 1
	}
	return 0
}
