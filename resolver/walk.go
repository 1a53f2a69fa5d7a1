package resolver

// Walk is the runtime walk of R18 for a start-up that landed (req and its
// decision dec): run is called with index -1, the landed entry and its
// effective model first and, while that fails, with each entry of the
// remaining chain in order (its index in dec.Remaining) and the model it
// runs with: its own, else the primary's (R10). A run for a remaining entry
// resolves it and completes there; any error of it, at resolve or at
// completion, moves the walk on. Walk returns nil at the first run that
// succeeds, else the last run's error. It never returns to the primary or
// to an entry before the landed one, and tries each entry at most once.
func Walk(req Request, dec Decision, run func(i int, e Entry, model string) error) error {
	landed := dec.Landing(req)
	err := run(-1, Entry{Provider: landed.Provider, Model: dec.Model}, dec.Model)
	for i, e := range dec.Remaining {
		if err == nil {
			return nil
		}
		model := e.Model
		if model == "" {
			model = req.Primary.Model
		}
		err = run(i, e, model)
	}
	return err
}
