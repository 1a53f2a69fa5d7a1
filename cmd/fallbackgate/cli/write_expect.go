package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fallbackgate/fallbackgate/reports"
)

// writeExpectations writes the expectations file of run --write-expect to
// path (creating its folder) and returns the line that says so.
func writeExpectations(path string, res *reports.Results) (string, error) {
	var b bytes.Buffer
	if err := reports.WriteExpectations(&b, res); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return "", err
	}
	return fmt.Sprintf("expectations written to %s (%d known failure(s)); run with --expect %s to fail only on new failures", path, len(reports.ExpectationsFrom(res)), path), nil
}
