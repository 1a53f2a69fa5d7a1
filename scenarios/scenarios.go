package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
)

//go:embed files/*.yaml
var files embed.FS

// All returns the built-in scenarios in catalogue order (SF-1 … SF-9). The
// files are embedded at build time, so a parse error is a bug in this
// package, and All panics on one; the tests load every file.
func All() []harness.Scenario {
	all, err := load(files, "files")
	if err != nil {
		panic(err)
	}
	return all
}

// Select returns the built-in scenarios named in ids, in catalogue order:
// the nine of CONTRACT.md ("SF-4"), then the mutation-only extras ("MX-2")
// and the saved regressions ("prop-59daa9d1"), each by its file's own ID.
// No ids selects the nine. An unknown id is an error that lists the known
// ones.
func Select(ids []string) ([]harness.Scenario, error) {
	if len(ids) == 0 {
		return All(), nil
	}
	all := append(append(All(), Extra()...), Regressions()...)
	// want maps an id, upper-cased to match any case, to its spelling.
	want := map[string]string{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		want[strings.ToUpper(id)] = id
	}
	var out []harness.Scenario
	for _, s := range all {
		if _, ok := want[strings.ToUpper(s.ID)]; ok {
			out = append(out, s)
			delete(want, strings.ToUpper(s.ID))
		}
	}
	if len(want) > 0 {
		var unknown, known []string
		for _, id := range want {
			unknown = append(unknown, id)
		}
		for _, s := range all {
			known = append(known, s.ID)
		}
		sort.Strings(unknown)
		return nil, fmt.Errorf("unknown scenario %s (known: %s)", strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	return out, nil
}

func load(fsys fs.FS, dir string) ([]harness.Scenario, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	var out []harness.Scenario
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		s, err := harness.ParseScenario(path.Join("scenarios", name), data)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return lessID(out[i].ID, out[j].ID) })
	return out, nil
}

// lessID orders "SF-2" before "SF-10".
func lessID(a, b string) bool {
	pa, na := splitID(a)
	pb, nb := splitID(b)
	if pa != pb {
		return pa < pb
	}
	return na < nb
}

func splitID(id string) (string, int) {
	i := strings.LastIndexByte(id, '-')
	if i < 0 {
		return id, 0
	}
	n, err := strconv.Atoi(id[i+1:])
	if err != nil {
		return id, 0
	}
	return id[:i], n
}
