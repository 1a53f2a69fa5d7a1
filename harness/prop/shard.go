package prop

import "github.com/fallbackgate/fallbackgate/harness"

// FailureCase returns the index in the run of the case that rep.Failure
// was shrunk from, for a run of shard sh (the zero Shard for a whole run):
// counted from 0, the scenarios first, then the generated cases, as
// Config.Shard counts them. A run stops at its first failing case, so it
// is the last case the shard ran. It is -1 when no case failed.
//
// Merged shards keep the failure of the lowest index: the one the whole
// run finds first.
func FailureCase(rep *Report, sh harness.Shard) int {
	if rep.Failure == nil || rep.Cases == 0 {
		return -1
	}
	return sh.Item(rep.Cases - 1)
}
