package harness

import "github.com/fallbackgate/fallbackgate/resolver"

// This file exports, to the external tests of package harness only, the
// two ways CaseConfig.Resolved reads a config, so that a test that needs a
// package importing harness (prop's generator) can prove they agree.

// WrittenConfig is Resolved's fast path: c read as resolver.Written,
// without the text; ok is false when the fast path refuses c.
func WrittenConfig(c CaseConfig) (cfg resolver.Config, ok bool) { return c.written().Config() }

// ParsedConfig is Resolved the long way: c as JSON through
// resolver.ParseConfig.
func ParsedConfig(c CaseConfig) (resolver.Config, error) { return c.parsed() }
