package reports

import (
	"regexp"
	"strings"
)

// Redacted replaces every secret-shaped token in a report.
const Redacted = "[redacted]"

// secretShapes match what an API key or bearer token looks like: a known
// key prefix followed by a long tail (sk-…, the fakes' fgk-… and fgr-…,
// xai-…, GitHub and GitLab tokens), any short prefix followed by 24 or
// more hex digits, and the value of an Authorization: Bearer header. A
// key-shaped match counts only when it holds a digit, so that an error code
// such as xai_auth_missing_access_token reads as it is. The harness
// already replaces the fakes' exact secrets in a subject's output; this is
// the second line of defence for every other field a subject controls
// (events, a quoted protocol line, a violation quoting it).
var secretShapes = []*regexp.Regexp{
	regexp.MustCompile(`\b(?:sk|fgk|fgr|xai|rk|pk|ghp|gho|ghs|ghu|glpat)[-_][A-Za-z0-9_-]{16,}`),
	regexp.MustCompile(`\b[A-Za-z]{2,8}[-_][0-9a-fA-F]{24,}\b`),
	regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/-]{8,}=*`),
}

// redactMatch returns what replaces a match m: "Bearer [redacted]" for a
// bearer token, m itself when it holds no digit (not a key), else
// Redacted.
func redactMatch(m string) string {
	switch {
	case strings.HasPrefix(strings.ToLower(m), "bearer"):
		return m[:len("bearer")] + " " + Redacted
	case !strings.ContainsAny(m, "0123456789"):
		return m
	}
	return Redacted
}

// redact returns s with every secret-shaped token replaced.
func redact(s string) string {
	for _, re := range secretShapes {
		s = re.ReplaceAllStringFunc(s, redactMatch)
	}
	return s
}

// redactBytes is redact over a rendered report. Every replacement is plain
// ASCII without markup or quotes, so it is safe inside JSON strings, XML
// and HTML text and attributes.
func redactBytes(b []byte) []byte {
	for _, re := range secretShapes {
		b = re.ReplaceAllFunc(b, func(m []byte) []byte { return []byte(redactMatch(string(m))) })
	}
	return b
}
