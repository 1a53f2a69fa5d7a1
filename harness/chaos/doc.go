// Package chaos drives many concurrent start-ups, turn after turn, while a
// seeded schedule changes the fleet under them (tokens expire and vanish,
// logins are revoked, 429 bursts come and go, providers reset connections
// or hang). Each start-up runs through the gate's pipeline on a fleet of
// its own that holds the plans in force at its moment, so that every
// provider call is attributed to exactly one start-up, and is judged
// against the model and the model-free invariants.
//
// [Run] writes a history (JSON lines, offsets from one start time) that
// [CheckHistory] re-checks offline; [SaveCounterexample] saves the first
// failing start-up as a scenario file, minimized alone on a fresh subject.
// A run cut into shards (Config.Shard) draws the whole schedule in every
// shard and runs its own start-ups; [MergeHistories] puts the shards'
// histories back together as the whole run's.
package chaos
