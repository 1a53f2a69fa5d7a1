// Command fallbackgate is the conformance gate, incident replay and property
// tester for the startup fallback contract (CONTRACT.md). main only runs
// package cli with the process's arguments and streams, and exits with the
// code cli.ExitCode gives: 0 conforms, 1 contract violation(s), 2 bad usage
// or input file, 3 harness failure or interrupted. Run `fallbackgate help`.
package main
