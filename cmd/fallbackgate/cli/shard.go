package cli

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/reports"
)

// shardUsage is the help of --shard, after what the command cuts.
const shardUsage = "; the same K/N and seed always run the same part, and the shards 1…N together run the whole run once. `K/N`: the K-th of N, from 1. Merge the shards' results.json with fallbackgate report merge"

// addShardFlag adds --shard to a command that cuts what: "the gate's
// scenarios, and the cases of --prop and the start-ups of --chaos".
func addShardFlag(fs *flag.FlagSet, what string) *string {
	return fs.String("shard", "", "run only one part of the run: "+what+shardUsage)
}

// parseShard reads --shard for cmd; the zero Shard when it is empty.
func parseShard(cmd, v string) (harness.Shard, error) {
	if v == "" {
		return harness.Shard{}, nil
	}
	s, err := harness.ParseShard("--shard", v)
	if err != nil {
		return s, usagef("%s: %v", cmd, err)
	}
	return s, nil
}

// shardArg is " --shard K/N" for a command line that repeats a shard; ""
// for a whole run.
func shardArg(s harness.Shard) string {
	if s.N == 0 {
		return ""
	}
	return " --shard " + s.String()
}

// shardNote is the line a shard's report ends with before the seed.
func shardNote(s harness.Shard) string {
	return fmt.Sprintf("shard %s of the run: merge the results.json of all %d shards with fallbackgate report merge", s, s.N)
}

// shardProperties makes a shard's property run judge what a shard can: a
// shard's categories are a part of the run's, so its vacuity is judged
// when the shards are merged, not here.
func shardProperties(rep *prop.Report, s harness.Shard) {
	if !s.Whole() {
		rep.Vacuous = nil
	}
}

// reportFlags are the report flags of a command: --report-dir and one
// flag per format, as run, prop, chaos and report merge have them.
type reportFlags struct {
	cmd   string
	dir   *string
	paths map[string]*string
}

// addReportFlags adds --report-dir and the single-format flags to fs;
// extra says what else --report-dir holds ("" for nothing).
func addReportFlags(fs *flag.FlagSet, cmd, extra string) *reportFlags {
	f := &reportFlags{cmd: cmd, paths: map[string]*string{}}
	f.dir = fs.String("report-dir", "", "write every report format into `DIR` (created when missing): "+formatFiles()+extra)
	for _, format := range reports.Formats {
		f.paths[format.Name] = fs.String(format.Name, "", "write the "+format.Name+" report ("+format.File+") to `FILE`; - writes it to stdout and the terminal report to stderr")
	}
	return f
}

// check checks, before anything runs, that the reports can be written,
// and returns the format that goes to stdout (nil for none) and where the
// terminal report goes: s.Stdout, or s.Stderr when stdout carries a
// report file.
func (f *reportFlags) check(s Streams) (piped *reports.Format, text io.Writer, err error) {
	if piped, err = stdoutFormat(f.cmd, f.paths); err != nil {
		return nil, nil, err
	}
	text = s.Stdout
	if piped != nil {
		text = s.Stderr
	}
	return piped, text, checkReportPaths(f.cmd, *f.dir, f.paths)
}

// any reports whether any report file was asked for.
func (f *reportFlags) any() bool {
	if *f.dir != "" {
		return true
	}
	for _, p := range f.paths {
		if *p != "" {
			return true
		}
	}
	return false
}

// write writes the reports asked for, the one to stdout last.
func (f *reportFlags) write(res *reports.Results, piped *reports.Format, stdout io.Writer) ([]string, error) {
	notes, err := writeReports(res, *f.dir, f.paths)
	if err != nil {
		return notes, err
	}
	if piped != nil {
		if err := piped.Write(stdout, res); err != nil {
			return notes, err
		}
	}
	return notes, nil
}

// stageResults are the results of a prop or chaos command: no gate, one
// stage (set by the caller), and the shard.
func stageResults(subject, profile string, seed int64, surfaces []string, started time.Time, s harness.Shard) *reports.Results {
	r := &reports.Results{Version: reports.Version, Subject: subject, Profile: profile, Seed: seed, Surfaces: surfaces,
		Started: started.UTC(), Elapsed: time.Since(started)}
	r.SetShard(s, nil)
	return r
}
