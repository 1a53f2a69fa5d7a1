package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/reports"
)

// TestShardUsage: a bad --shard is bad usage naming the command, the flag
// and the value; --write-expect needs the whole run.
func TestShardUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--shard", "0/3"}, `run: --shard "0/3": K is 0; want 1 to 3 (shards count from 1)`},
		{[]string{"prop", "--in-process", "--shard", "3"}, `prop: --shard "3": want K/N, e.g. 2/4`},
		{[]string{"chaos", "--in-process", "--shard", "2/1"}, `chaos: --shard "2/1": K is 2; want 1 to 1`},
		{[]string{"prop", "--in-process", "--shard", "1/0"}, `prop: --shard "1/0": N is 0; want at least 1 shard`},
		{[]string{"run", "--shard", "1/2", "--write-expect", "x.yaml"}, "run: --write-expect needs every case of the run; give it to fallbackgate report merge instead of --shard 1/2"},
		{[]string{"prop", "--in-process", "--json", "-", "--html", "-"}, "prop: --json and --html all say -"},
	} {
		_, stderr, code := run(t, tt.args...)
		if code != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestReportMergeInProcess: prop and chaos on the in-process reference, cut
// into 3 shards with their reports, merge (flags after the shards, a
// shard named by its results.json) into the whole run's reports: the same
// results.json but for wall-clock times and the report folder, and for
// chaos the whole run's history byte for byte, which check re-checks.
func TestReportMergeInProcess(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"prop", []string{"prop", "--in-process", "--checks", "90", "--seed", "3"}},
		{"chaos", []string{"chaos", "--in-process", "--sessions", "5", "--turns", "9", "--seed", "4"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			whole := filepath.Join(dir, tt.name, "whole")
			if out, errs, code := run(t, append(tt.args, "--report-dir", whole)...); code != ExitConforms {
				t.Fatalf("the whole run exited %d\n%s%s", code, out, errs)
			}
			var shards []string
			for k := 1; k <= 3; k++ {
				d := filepath.Join(dir, tt.name, fmt.Sprintf("shard-%d", k))
				out, errs, code := run(t, append(tt.args, "--shard", fmt.Sprintf("%d/3", k), "--report-dir", d)...)
				if code != ExitConforms || !strings.Contains(out, fmt.Sprintf("shard %d/3 of the run: merge the results.json of all 3 shards with fallbackgate report merge", k)) {
					t.Fatalf("shard %d/3 exited %d\n%s%s", k, code, out, errs)
				}
				shards = append(shards, d)
			}
			shards[1] = filepath.Join(shards[1], "results.json")
			merged := filepath.Join(dir, tt.name, "merged")
			out, errs, code := run(t, append(append([]string{"report", "merge"}, shards...), "--report-dir", merged)...)
			if code != ExitConforms {
				t.Fatalf("report merge exited %d\n%s%s", code, out, errs)
			}
			for _, want := range []string{"3 shard(s): " + shards[0] + "/results.json, " + shards[1] + ", ", "reports written to " + merged, "seed "} {
				if !strings.Contains(out, want) {
					t.Errorf("report merge output lacks %q:\n%s", want, out)
				}
			}
			w, m := readResults(t, whole), readResults(t, merged)
			if d := cmp.Diff(normalizeResults(w, whole), normalizeResults(m, merged)); d != "" {
				t.Errorf("merged results.json differs from the whole run's (-whole +merged):\n%s", d)
			}
			// --json - puts the merged results.json on stdout and the terminal
			// report on stderr; --write-expect writes the merged run's
			// expectations, as run's flags do.
			expect := filepath.Join(dir, tt.name, "expect.yaml")
			out, errs, code = run(t, append(append([]string{"report", "merge"}, shards...), "--json", "-", "--write-expect", expect)...)
			if code != ExitConforms || !strings.HasPrefix(out, "{") || !strings.Contains(errs, "seed ") ||
				!strings.Contains(errs, "expectations written to "+expect+" (0 known failure(s))") {
				t.Errorf("report merge --json - --write-expect: exit %d; want 0, the JSON on stdout, the terminal report and the expectations note on stderr\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			if _, err := os.Stat(expect); err != nil {
				t.Errorf("report merge --write-expect: %v", err)
			}
			if tt.name != "chaos" {
				return
			}
			wh, _ := os.ReadFile(filepath.Join(whole, "chaos.jsonl"))
			mh, err := os.ReadFile(filepath.Join(merged, "chaos.jsonl"))
			if err != nil || !bytes.Equal(wh, mh) {
				t.Errorf("the merged chaos history differs from the whole run's (%v)", err)
			}
			if out, errs, code := run(t, "check", filepath.Join(merged, "chaos.jsonl")); code != ExitConforms {
				t.Errorf("check of the merged history exited %d\n%s%s", code, out, errs)
			}
		})
	}
}

// TestReportMergeRefuses: the merge refuses a missing shard and shards of
// two runs, exit 2, naming the files.
func TestReportMergeRefuses(t *testing.T) {
	dir := t.TempDir()
	shard := func(name string, args ...string) string {
		d := filepath.Join(dir, name)
		if out, errs, code := run(t, append([]string{"prop", "--in-process", "--checks", "60", "--report-dir", d}, args...)...); code != ExitConforms {
			t.Fatalf("prop %v exited %d\n%s%s", args, code, out, errs)
		}
		return d
	}
	a, b, c := shard("a", "--seed", "1", "--shard", "1/2"), shard("b", "--seed", "1", "--shard", "2/2"), shard("c", "--seed", "2", "--shard", "2/2")
	whole := shard("whole", "--seed", "1")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{a}, "report merge: shard(s) 2/2 missing: have 1/2 (" + a + "/results.json)"},
		{[]string{a, b, b}, "shard 2/2 given twice: " + b + "/results.json and " + b + "/results.json"},
		{[]string{a, c}, a + "/results.json has seed 1 and " + c + "/results.json 2"},
		{[]string{a, b, whole}, whole + "/results.json: not the results of a shard"},
		{[]string{a, filepath.Join(dir, "nowhere")}, "nowhere: no such file or directory"},
	} {
		_, stderr, code := run(t, append([]string{"report", "merge"}, tt.args...)...)
		if code != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("report merge %v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

func readResults(t *testing.T, dir string) *reports.Results {
	t.Helper()
	r, err := reports.ReadJSONFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wallClock matches the fields of results.json that the wall clock sets.
var wallClock = regexp.MustCompile(`"(started|elapsed_ns|duration_ns|at_ns|generating_ns|shrinking_ns)": [^,\n]+`)

// normalizeResults is r's results.json with its wall-clock fields blanked
// and its report folder dir named DIR.
func normalizeResults(r *reports.Results, dir string) string {
	var b bytes.Buffer
	_ = reports.WriteJSON(&b, r)
	return strings.ReplaceAll(wallClock.ReplaceAllString(b.String(), `"$1": 0`), dir, "DIR")
}
