// Package exec is the adapter for a subject the harness did not build, in
// any language: it reads the subject [Manifest] (PROTOCOL.md, "Subject
// manifest") and drives each surface as a child process speaking
// PROTOCOL.md ([Surface]): a scratch folder and case file per case, every
// process in its own process group killed when its case ends, a scrubbed
// environment (none of the harness's own variables but what the protocol
// lists and pass_env names), the proxy variables pointing at a recorder on
// loopback that refuses and reports any request (isolation), the files it
// hands back opened without blocking or following links, everything it
// writes read within the protocol's bounds, strict parsing of its events,
// and for the gateway one long-lived process multiplexing JSON-lines
// sessions.
//
// Everything a subject does wrong (crash, hang, flood, a malformed line)
// becomes a failure of its case; an error is only for the harness itself.
package exec
