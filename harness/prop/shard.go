package prop

// FailureCase returns the index in the run of the case that rep.Failure
// was shrunk from (Failure.Case): counted from 0, the named scenarios
// first, then the generated cases, as Config.Shard counts them. It is -1
// when no case failed.
//
// Merged shards keep the failure of the lowest index: the one the whole
// run finds first.
func FailureCase(rep *Report) int {
	if rep.Failure == nil {
		return -1
	}
	return rep.Failure.Case
}
