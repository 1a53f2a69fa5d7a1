package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The shard-merge equality test over exec: the built command runs a gate
// with properties and chaos whole, and cut into N shards, each in a
// folder of its own; `report merge` of the shards' report folders must
// give the whole run's results.json (wall-clock times and the gateway's
// request numbering aside), its exit code, and a chaos history that
// `check` judges as it judges the whole run's.

// shardRun runs the built command in dir (created) with a clean
// environment and returns its exit code, failing the test on anything but
// an exit.
func shardRun(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, hostileBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + t.TempDir()}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return out.String(), ee.ExitCode()
	case err != nil:
		t.Fatalf("%v: %v\n%s", args, err, out.String())
	}
	return out.String(), 0
}

// TestShardMergeOverExec: the built-in reference subject over exec
// (conforming; N = 1, 3 and 4) and the Python example that falls back on a
// 429, on its gateway (its properties and chaos fail; N = 3).
func TestShardMergeOverExec(t *testing.T) {
	broken, err := filepath.Abs(filepath.Join("..", "..", "examples", "python-subject", "broken", "falls-back-on-429", "subject.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		args   []string
		ns     []int
		code   int
		python bool
	}{
		{"reference", []string{"run", "--seed", "3", "--prop", "40", "--chaos"}, []int{1, 3, 4}, 0, false},
		{"python-falls-back-on-429", []string{"run", "--subject", broken, "--surface", "gateway", "--seed", "4", "--prop", "60", "--shrink-time", "10m", "--chaos"}, []int{3}, 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := exec.LookPath("python3"); tt.python && err != nil {
				t.Skip("python3 is not on PATH, so the Python example cannot run (CI installs it): " + err.Error())
			}
			root := t.TempDir()
			wholeDir := filepath.Join(root, "whole")
			out, code := shardRun(t, wholeDir, append(tt.args, "--report-dir", "out")...)
			if code != tt.code {
				t.Fatalf("the whole run exited %d; want %d\n%s", code, tt.code, out)
			}
			whole := readNormalized(t, filepath.Join(wholeDir, "out"))
			_, wholeCheck := shardRun(t, wholeDir, "check", filepath.Join("out", "chaos.jsonl"))
			for _, n := range tt.ns {
				var shards []string
				for k := 1; k <= n; k++ {
					dir := filepath.Join(root, fmt.Sprint(n), fmt.Sprint(k))
					out, code := shardRun(t, dir, append(tt.args, "--shard", fmt.Sprintf("%d/%d", k, n), "--report-dir", "out")...)
					if code != 0 && code != 1 {
						t.Fatalf("shard %d/%d exited %d\n%s", k, n, code, out)
					}
					shards = append(shards, filepath.Join("..", fmt.Sprint(k), "out"))
				}
				mergeDir := filepath.Join(root, fmt.Sprint(n), "merged")
				out, code := shardRun(t, mergeDir, append(append([]string{"report", "merge"}, shards...), "--report-dir", "out")...)
				if code != tt.code {
					t.Errorf("N=%d: report merge exited %d; the whole run %d\n%s", n, code, tt.code, out)
				}
				merged := readNormalized(t, filepath.Join(mergeDir, "out"))
				if tt.code != 0 {
					// The whole run's properties stop at the first failure,
					// the shards' each at their own: the merge counts the
					// cases the shards ran (and the rules they exercised),
					// more than the whole run's.
					mp, wp := merged["properties"].(map[string]any), whole["properties"].(map[string]any)
					if mp["cases"].(float64) < wp["cases"].(float64) {
						t.Errorf("N=%d: merged properties ran %v cases; the whole run %v", n, mp["cases"], wp["cases"])
					}
					mp["cases"], mp["classes"], mp["coverage"] = wp["cases"], wp["classes"], wp["coverage"]
				}
				if d := cmp.Diff(whole, merged); d != "" {
					t.Errorf("N=%d: the merged results.json differs from the whole run's (-whole +merged):\n%s", n, d)
				}
				if _, code := shardRun(t, mergeDir, "check", filepath.Join("out", "chaos.jsonl")); code != wholeCheck {
					t.Errorf("N=%d: check of the merged history exited %d; of the whole run's %d", n, code, wholeCheck)
				}
			}
		})
	}
}

// gatewayRequest is a gateway's request and session id in a reply line.
var gatewayRequest = regexp.MustCompile(`"id":"[^"]*","session":"[^"]*"`)

// readNormalized reads the results.json in dir as a JSON value with what
// no two runs of one seed share set to zero: wall-clock times, durations
// and ledger offsets, and the numbering of the requests a gateway process
// received (in the order the cases reached it).
func readNormalized(t *testing.T, dir string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				switch k {
				case "started", "elapsed_ns", "duration_ns", "at_ns", "generating_ns", "shrinking_ns":
					x[k] = 0
				case "id", "session":
					if _, ok := x["event"]; ok || k == "session" || x["session"] != nil {
						x[k] = ""
					}
				default:
					x[k] = walk(e)
				}
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		case string:
			return gatewayRequest.ReplaceAllString(x, `"id":"<N>","session":"<N>"`)
		}
		return v
	}
	walk(v)
	return v
}
