package reports

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness/incident"
)

// Format is one report format: its name (the run command's flag), its file
// name in a report folder, and its writer.
type Format struct {
	Name, File string
	Write      func(io.Writer, *Results) error
}

// Formats are the report file formats, in the order a report folder lists
// them.
var Formats = []Format{
	{"junit", "junit.xml", WriteJUnit},
	{"json", "results.json", WriteJSON},
	{"markdown", "summary.md", WriteMarkdown},
	{"html", "report.html", func(w io.Writer, r *Results) error { return WriteHTML(w, r) }},
}

// WriteDir creates dir when needed and writes every format into it:
// junit.xml, results.json, summary.md and report.html.
func WriteDir(dir string, r *Results) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var errs []error
	for _, f := range Formats {
		errs = append(errs, f.WriteFile(filepath.Join(dir, f.File), r))
	}
	return errors.Join(errs...)
}

// WriteFile renders r in format f and writes it to path, replacing the
// file and creating its folder when missing, as WriteDir does. Nothing is
// written when rendering fails.
func (f Format) WriteFile(path string, r *Results) error {
	return writeRendered(path, f.Name+" report", func(w io.Writer) error { return f.Write(w, r) })
}

// WriteReplayFile writes rep's HTML page (WriteReplayHTML) to path, as
// WriteFile writes a report.
func WriteReplayFile(path string, rep *incident.Replay) error {
	return writeRendered(path, "replay page", func(w io.Writer) error { return WriteReplayHTML(w, rep) })
}

// writeRendered renders into memory, then replaces path with it, creating
// its folder when missing: nothing is written when rendering fails.
func writeRendered(path, what string, render func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return fmt.Errorf("%s: %s: %w", path, what, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// ReplayFileName is the name of an incident's page in a report folder:
// incident-NAME.html, NAME the base of the file it was read from without
// its extension (files of one folder never collide), else its name, with
// anything but letters, digits, '.', '-' and '_' replaced by '-'.
func ReplayFileName(inc incident.Incident) string {
	var base string
	if inc.Source != "" {
		base = strings.TrimSuffix(filepath.Base(inc.Source), filepath.Ext(inc.Source))
	}
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '-'
	}, cmp.Or(base, inc.Name, inc.ID))
	return "incident-" + name + ".html"
}
