package reports

import "github.com/fallbackgate/fallbackgate/fakes"

// Redacted replaces every secret in a report.
const Redacted = fakes.Redacted

// redact returns s with every secret replaced: the fakes' keys and tokens
// in any encoding and every other key-shaped token (fakes.Redact, the one
// redactor of the harness). The harness already redacts a subject's output
// when it judges a case; this is the last line of defence for every field
// a subject controls (events, a quoted protocol line, a violation quoting
// it).
func redact(s string) string { return fakes.Redact(s) }

// redactBytes is redact over a rendered report. Every replacement is plain
// ASCII without markup or quotes, so it is safe inside JSON strings, XML
// and HTML text and attributes.
func redactBytes(b []byte) []byte { return fakes.RedactBytes(b) }
