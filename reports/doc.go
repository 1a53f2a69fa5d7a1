// Package reports renders the results of a gate run for people and CI
// systems. It reads results and never runs anything.
//
// New turns a harness.Report, and optionally the known failures of an
// expectations file (ParseExpectations), into Results: the versioned
// results model (Version) that every format renders and results.json
// holds. The formats are WriteText (the terminal matrix), WriteJSON,
// WriteJUnit (one testsuite per surface, one testcase per scenario),
// WriteMarkdown (a pull-request comment or $GITHUB_STEP_SUMMARY) and
// WriteHTML (a self-contained scenario × surface × subject matrix whose
// cells open each case); WriteDir writes the four files of a report
// folder. Diff compares two runs read back with ReadJSON; Merge puts the
// results of a run's shards (--shard K/N, SetShard) back together as the
// whole run's. results.schema.json beside this file is the JSON Schema of
// Version.
//
// Around them: StderrExcerpt is what every format shows of a subject's
// stderr (its last lines, and its first when there are more); WriteCase
// writes one case as the terminal shows a failure (harness/gatetest prints
// failing subtests so); WriteGitHub writes GitHub Actions annotations;
// WriteExpectations writes an expectations file from a run's failures;
// SetNotStarted reports a subject that could not be started.
//
// A replay of an incident (harness/incident) has renderers of its own:
// WriteReplay (both sides' timelines as text), WriteReplaySVG (the
// timeline picture: the two sides beside each other, one row per worker,
// virtual time across) and WriteReplayHTML (a page with the incident, the
// picture inline and the verdicts).
//
// Every format passes through one redaction of secret-shaped tokens (API
// keys, bearer tokens, the fakes' fgk-/fgr- secrets) before it is written,
// whatever field a subject managed to put one in.
package reports
