// Package incident replays an incident (scenarios/incidents; INC-v6.6 of
// CONTRACT.md): a [Dispatcher] on a virtual clock starts oneshot workers
// one after another, requeues a worker that exits 75 after its Retry-After
// and runs a heartbeat that counts fallbacks. [ReplayIncident] runs it
// twice from one seed, against the pre-fix start-up (the reference's
// ignores-chain mutant) and against the contract (the reference, or a
// subject under test), each worker a case of the gate's pipeline, and
// returns both timelines with their verdicts.
package incident
