package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness/incident"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// maxIncidentFile bounds what an incident file may make us read.
const maxIncidentFile = 1 << 20

// isIncidentFile says whether replay's argument names a file rather than a
// built-in incident: an existing file, or a name with a path separator or
// a .yaml/.yml ending.
func isIncidentFile(arg string) bool {
	if strings.ContainsRune(arg, '/') || strings.ContainsRune(arg, filepath.Separator) ||
		strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") {
		return true
	}
	fi, err := os.Stat(arg)
	return err == nil && fi.Mode().IsRegular()
}

// loadIncident reads replay's argument: an incident file, or the name of a
// built-in one. The error names the file, line and field, or lists the
// built-in names.
func loadIncident(arg string) (incident.Incident, error) {
	if !isIncidentFile(arg) {
		return scenarios.Incident(arg)
	}
	data, err := readIncidentFile(arg)
	if err != nil {
		return incident.Incident{}, err
	}
	return incident.ParseIncident(arg, data)
}

// readIncidentFile reads a regular file of at most maxIncidentFile bytes;
// anything else (a folder, a FIFO that would block the open) is an error
// naming it.
func readIncidentFile(path string) ([]byte, error) {
	if fi, err := os.Stat(path); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxIncidentFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxIncidentFile {
		return nil, fmt.Errorf("%s: larger than %d bytes: not an incident file", path, maxIncidentFile)
	}
	return data, nil
}

// loadIncidentDir reads every incident file (*.yaml, *.yml) in dir, in
// name order (os.ReadDir's). Every bad file is named, with every problem of each; two
// files with one id are an error too.
func loadIncidentDir(dir string) ([]incident.Incident, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var (
		out      []incident.Incident
		problems []error
		ids      = map[string]string{}
	)
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		path := filepath.Join(dir, name)
		data, err := readIncidentFile(path)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		inc, err := incident.ParseIncident(path, data)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		if first, dup := ids[inc.ID]; dup {
			problems = append(problems, fmt.Errorf("%s: id %s is also the id of %s", path, inc.ID, first))
			continue
		}
		ids[inc.ID] = path
		out = append(out, inc)
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no incident file (*.yaml, *.yml) in it", dir)
	}
	return out, nil
}
