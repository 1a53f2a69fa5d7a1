package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness/chaos"
	"github.com/fallbackgate/fallbackgate/reports"
)

func reportMergeCmd(s Streams, args []string) error {
	fs := newFlags("report merge", "report merge [--report-dir DIR] [--json FILE] [--junit FILE] [--markdown FILE] [--html FILE] [--write-expect FILE] SHARD...", `
Merges the results.json of the shards of one run (run, prop or chaos with
--shard K/N, the same flags and seed on every shard) into the whole run's
report, in every format, with the verdict and the exit code the run
without --shard gives. Each SHARD is a report folder (its results.json is
read) or a results.json file; flags may come before or after them.

The cases go back in matrix order, parity and known failures are judged
over every case. Property stages: cases and categories summed, the
counterexample of the lowest case index (the one the whole run finds
first), vacuity judged on the sum. Chaos stages: start-ups, failures and
faults summed, problems in start-up order, the counterexample of the
whole run's first failing start-up, vacuous only when no shard met a
fault. With --report-dir the shards' chaos histories are merged into
DIR/chaos.jsonl (the whole run's, which fallbackgate check re-checks) and
the counterexamples copied into DIR/counterexamples/. A shard's files are
looked for beside its results.json first, then where it wrote them.

Refuses (exit 2), naming the files: a results.json without a shard,
shards of different seeds, subjects, profiles, surfaces, stages or N,
and a shard missing or given twice. Exit 0 when the merged run conforms,
1 on a violation, 3 when a surface could not be started or an incident
file is broken, as the run without --shard exits.`, s)
	out := addReportFlags(fs, "report merge", " (and chaos.jsonl, counterexamples/)")
	github := fs.Bool("github", false, "also write a GitHub Actions annotation per failure; on by default when GITHUB_ACTIONS=true (--github=false turns it off)")
	writeExpect := fs.String("write-expect", "", "write the merged run's failures as an expectations `FILE` (the --expect format), as run --write-expect does")
	shards, err := parseAll(fs, args, s)
	if err != nil {
		return err
	}
	if len(shards) == 0 {
		return usagef("report merge: want the shards' report folders or results.json files")
	}
	piped, text, err := out.check(s)
	if err != nil {
		return err
	}
	var files []reports.ShardFile
	where := map[*reports.Results]string{} // each shard's folder, where its files are looked for
	for _, arg := range shards {
		path := arg
		if fi, err := os.Stat(arg); err == nil && fi.IsDir() {
			path = filepath.Join(arg, "results.json")
		}
		r, err := reports.ReadJSONFile(path)
		if err != nil {
			return usagef("report merge: %v", err)
		}
		files = append(files, reports.ShardFile{Name: path, Results: r})
		where[r] = filepath.Dir(path)
	}
	res, err := reports.Merge(files)
	if err != nil {
		return usagef("report merge: %v", err)
	}
	notes, err := mergeFiles(res, files, where, *out.dir)
	if err != nil {
		return &HarnessError{Err: err}
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	fmt.Fprintf(text, "fallbackgate report merge: subject %s, profile %s, seed %d, %d shard(s): %s\n",
		res.Subject, res.Profile, res.Seed, len(files), strings.Join(names, ", "))
	written, werr := writeReports(res, *out.dir, out.paths)
	if err := finish(s.Stdout, text, res, piped, githubAnnotations(fs, *github), *writeExpect, append(notes, written...), werr); err != nil {
		return err
	}
	return outcome(res)
}

// mergeFiles gives the merged results the files its shards wrote: with a
// report folder dir, the property counterexample and the chaos
// counterexample copied into dir/counterexamples/ and the chaos histories
// merged into dir/chaos.jsonl; without one, the paths where they were
// found. A shard's file is looked for beside its results.json (where an
// artifact download puts it), then in its counterexamples/ folder, then
// where the shard wrote it. It returns notes on files that were not found.
func mergeFiles(res *reports.Results, files []reports.ShardFile, where map[*reports.Results]string, dir string) ([]string, error) {
	var notes []string
	if p := res.Properties; p != nil && p.Failure != nil && p.Failure.Saved != "" {
		f := p.Failure
		src := ""
		for _, sf := range files {
			if sf.Results.Properties != nil && sf.Results.Properties.Failure == f {
				src = findShardFile(where[sf.Results], f.Saved)
			}
		}
		to := src
		if dir != "" {
			to = filepath.Join(dir, "counterexamples", filepath.Base(f.Saved))
			data := []byte(f.Scenario) // the file's text, when the file itself is gone
			if src != "" {
				var err error
				if data, err = os.ReadFile(src); err != nil {
					return nil, err
				}
			}
			if err := writeFile(to, data); err != nil {
				return nil, err
			}
		}
		if to != "" && to != f.Saved {
			for i := range f.Results {
				f.Results[i].Repro = strings.ReplaceAll(f.Results[i].Repro, f.Saved, to)
			}
			f.Saved = to
		}
	}
	c := res.Chaos
	if c == nil {
		return notes, nil
	}
	if c.Counterexample != "" {
		src := ""
		for _, sf := range files {
			if sc := sf.Results.Chaos; sc != nil && sc.First == c.First {
				src = findShardFile(where[sf.Results], c.Counterexample)
			}
		}
		switch {
		case src == "":
			notes = append(notes, "note: the chaos counterexample "+c.Counterexample+" was not found")
		case dir != "":
			to := filepath.Join(dir, "counterexamples", filepath.Base(c.Counterexample))
			if err := copyFile(src, to); err != nil {
				return nil, err
			}
			c.Counterexample = to
		default:
			c.Counterexample = src
		}
	}
	var hs []chaos.History
	var found, missing []string
	for _, sf := range files {
		h := sf.Results.Chaos.History
		src := findShardFile(where[sf.Results], h)
		if src == "" {
			missing = append(missing, h+" ("+sf.Name+")")
			continue
		}
		found = append(found, src)
		data, err := os.ReadFile(src)
		if err != nil {
			return nil, err
		}
		hs = append(hs, chaos.History{Name: src, Data: data})
	}
	switch {
	case len(missing) > 0:
		c.History = strings.Join(append(found, missing...), ", ")
		notes = append(notes, "note: chaos histories not merged: not found: "+strings.Join(missing, ", "))
	case dir != "":
		var b bytes.Buffer
		if err := chaos.MergeHistories(&b, hs); err != nil {
			return nil, &UsageError{Err: fmt.Errorf("report merge: chaos histories: %w", err)}
		}
		c.History = filepath.Join(dir, "chaos.jsonl")
		if err := writeFile(c.History, b.Bytes()); err != nil {
			return nil, err
		}
	default:
		c.History = strings.Join(found, ", ")
	}
	return notes, nil
}

// findShardFile returns where a file a shard wrote as path is now: beside
// its results.json (in folder), in folder's counterexamples/, or at path
// itself; "" when it is in none of them.
func findShardFile(folder, path string) string {
	if path == "" {
		return ""
	}
	for _, p := range []string{filepath.Join(folder, filepath.Base(path)), filepath.Join(folder, "counterexamples", filepath.Base(path)), path} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// copyFile copies the file at src to dst, creating dst's folder.
func copyFile(src, dst string) error {
	if sameFile(src, dst) {
		return nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return writeFile(dst, data)
}

// writeFile writes data to path through the one redactor (a merged file
// is an artifact like any the harness writes), creating its folder.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, fakes.RedactBytes(data), 0o644)
}
