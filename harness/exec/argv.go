package exec

// Argv returns the command line the surface starts, as the manifest gives
// it (relative paths resolved against the manifest's folder), so that a
// report can say what could not be started.
func (s *Surface) Argv() []string { return append([]string(nil), s.argv...) }
