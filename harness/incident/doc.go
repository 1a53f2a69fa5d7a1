// Package incident replays an incident: a file in the format of
// scenarios/incidents (ParseIncident reads one strictly, every problem
// named by file, line and field), with a profile's config, fault plans on
// a virtual clock, a dispatcher, the pre-fix start-up (a mutant of the
// reference) and two lists of assertions (assert.go): what "reproduced"
// and what "holds" mean. A [Dispatcher] on a virtual clock starts workers
// one after another, requeues a worker that exits 75 after its Retry-After
// and runs a heartbeat that counts fallbacks. [ReplayIncident] runs it
// twice from one seed, against the pre-fix start-up and against the
// contract (the reference, or a subject under test), each worker a case of
// the gate's pipeline on the oneshot surface or as a session of one
// gateway, and returns both timelines with their checks and verdicts.
package incident
