// Package cli implements the fallbackgate command: each subcommand is a value
// with its own flag set, and Run dispatches to it. A command only parses its
// flags, calls the package that does the work (harness/gate, prop, chaos,
// incident, mutation), renders the outcome with package reports and maps an
// error to an exit code (ExitCode); nothing here exits the process.
package cli
