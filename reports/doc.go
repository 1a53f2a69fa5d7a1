// Package reports renders the results of a gate run for people and CI
// systems: the terminal matrix, and the report files. It reads results and
// never runs anything.
package reports
