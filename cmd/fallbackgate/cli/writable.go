package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fallbackgate/fallbackgate/reports"
)

// checkReportPaths checks, before the first case runs, that every report
// asked for can be written: --report-dir is a folder (created when
// missing) that takes a new file, and each single-format FILE is not a
// folder and sits in a folder that takes it. A run must not find out after
// the last case that it cannot say what it found.
func checkReportPaths(cmd, dir string, paths map[string]*string) error {
	if dir != "" {
		if err := writableDir(dir); err != nil {
			return usagef("%s: --report-dir %s: %v", cmd, dir, err)
		}
	}
	for _, f := range reports.Formats {
		p := *paths[f.Name]
		if p == "" || p == "-" { // "-": stdout (--json -)
			continue
		}
		if err := writableFile(p); err != nil {
			return usagef("%s: --%s %s: %v", cmd, f.Name, p, err)
		}
	}
	return nil
}

// writableDir creates dir when missing and proves it takes a new file.
func writableDir(dir string) error {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return errors.New("not a folder")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return unwrapPath(err)
	}
	f, err := os.CreateTemp(dir, ".fallbackgate-probe-*")
	if err != nil {
		return fmt.Errorf("cannot write there: %v", unwrapPath(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// writableFile proves path can be written: its folder takes a new file, and
// path itself, when it exists, is a file open for writing.
func writableFile(path string) error {
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return errors.New("is a folder")
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("cannot write it: %v", unwrapPath(err))
		}
		return f.Close()
	}
	return writableDir(filepath.Dir(path))
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
