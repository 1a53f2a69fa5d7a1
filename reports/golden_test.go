package reports_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/cmd/fallbackgate/cli"
	"github.com/fallbackgate/fallbackgate/reports"
)

// goldenFrom names a folder of raw report folders (one per golden run, as
// goldenRuns names them) to normalize into testdata/golden instead of
// checking: how the golden files were made from the outputs of the code
// before the redesign of issue 11 (fallbackgate run --report-dir, the
// commands in goldenRuns), and how to renew them after an intended change.
var goldenFrom = flag.String("golden-from", "", "normalize the report folders under `DIR` into testdata/golden instead of checking them")

// TestMain lets this test binary be the built-in reference subject: run
// without --subject, `fallbackgate run` starts its own executable as
// `EXE subject --profile strict SURFACE`, and under go test that is this
// binary. Called so, it runs the subject command as cmd/fallbackgate's main
// does, instead of the tests.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "subject" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := cli.Run(ctx, os.Args[1:], cli.Streams{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
		stop()
		os.Exit(cli.ExitCode(err))
	}
	os.Exit(m.Run())
}

// goldenRuns are the runs whose report files must stay byte-identical for
// a fixed seed (issue 11), once normalized: each is `fallbackgate run` with
// args and --report-dir, from the repository's root, with the exit code it
// must end with.
var goldenRuns = []struct {
	name   string
	args   []string
	code   int
	python bool
}{
	// The built-in reference subject over exec, every scenario on every
	// surface, then the mutation self-test.
	{name: "reference-mutate-seed42", args: []string{"--mutate", "--seed", "42"}, code: cli.ExitConforms},
	// The Python example broken to fall back on a 429: SF-8 fails on
	// every surface (R7, R15).
	{name: "python-falls-back-on-429-seed1", args: []string{"--subject", "examples/python-subject/broken/falls-back-on-429/subject.yaml", "--seed", "1"},
		code: cli.ExitViolation, python: true},
}

// TestGoldenReports runs each golden run with this code and compares its
// results.json, junit.xml, summary.md and report.html, normalized, with
// the files the code before the redesign wrote (testdata/golden).
func TestGoldenReports(t *testing.T) {
	if *goldenFrom != "" {
		writeGoldens(t, *goldenFrom)
		return
	}
	t.Chdir("..") // the repository's root: the reproduce commands name paths from there
	for _, run := range goldenRuns {
		t.Run(run.name, func(t *testing.T) {
			if _, err := exec.LookPath("python3"); run.python && err != nil {
				t.Skip("python3 is not on PATH, so the Python example cannot run (CI installs it): " + err.Error())
			}
			dir := t.TempDir()
			args := append([]string{"run"}, run.args...)
			args = append(args, "--report-dir", dir)
			var stdout, stderr bytes.Buffer
			err := cli.Run(context.Background(), args, cli.Streams{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
			if code := cli.ExitCode(err); code != run.code {
				t.Fatalf("fallbackgate %s: exit %d; want %d\n%s%s", strings.Join(args, " "), code, run.code, stdout.String(), stderr.String())
			}
			for _, f := range reports.Formats {
				t.Run(f.File, func(t *testing.T) {
					golden := filepath.Join("reports", "testdata", "golden", run.name, f.File)
					want, err := os.ReadFile(golden)
					if err != nil {
						t.Fatal(err)
					}
					got, err := os.ReadFile(filepath.Join(dir, f.File))
					if err != nil {
						t.Fatal(err)
					}
					// Line by line, so that the diff names the lines that differ.
					lines := func(s string) []string { return strings.SplitAfter(s, "\n") }
					if diff := cmp.Diff(lines(string(want)), lines(normalize(string(got), dir))); diff != "" {
						t.Errorf("fallbackgate %s: %s differs from %s once normalized (-golden +got):\n%s",
							strings.Join(args, " "), f.File, golden, diff)
					}
				})
			}
		})
	}
}

// writeGoldens normalizes the report folders from/NAME of every golden run
// into testdata/golden/NAME.
func writeGoldens(t *testing.T, from string) {
	for _, run := range goldenRuns {
		for _, f := range reports.Formats {
			data, err := os.ReadFile(filepath.Join(from, run.name, f.File))
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join("testdata", "golden", run.name, f.File)
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(out, []byte(normalize(string(data), "")), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", out)
		}
	}
}

// duration is a time.Duration as its String method writes it: "0s",
// "850µs", "363.573ms", "1m2.5s".
const duration = `(?:[0-9]+(?:\.[0-9]+)?(?:ns|µs|us|ms|s|m|h))+`

// normalizers replace what differs from one run of the same seed to the
// next: the wall clock (start times, durations, the ledger's offsets and
// the HTML timeline's dots placed by them), and the gateway's request and
// session ids, numbered in the order concurrent cases reach it. Each is
// anchored to the field or the words around it, so that nothing else a
// report says is hidden.
var normalizers = []struct {
	re   *regexp.Regexp
	repl string
}{
	// results.json
	{regexp.MustCompile(`"started": "[^"]*"`), `"started": "<TIME>"`},
	{regexp.MustCompile(`"(elapsed_ns|duration_ns)": [0-9]+`), `"$1": <DUR>`},
	{regexp.MustCompile(`"at_ns": [0-9]+`), `"at_ns": <AT>`},
	// junit.xml
	{regexp.MustCompile(` time="[0-9.]+"`), ` time="<DUR>"`},
	{regexp.MustCompile(` timestamp="[^"]*"`), ` timestamp="<TIME>"`},
	// A ledger line's offset: "#1 +363.573ms" (&#43; in HTML).
	{regexp.MustCompile(`(#[0-9]+ (?:\+|&#43;))` + duration), `${1}<AT>`},
	// report.html: the run's start and time, each case's time, the
	// timeline's dots.
	{regexp.MustCompile(`started [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z`), `started <TIME>`},
	{regexp.MustCompile(`took ` + duration), `took <DUR>`},
	{regexp.MustCompile(`left: [0-9.]+%`), `left: <X>%`},
	// The gateway's ids in events and replies, as JSON, indented or not,
	// and HTML-escaped: "id": "r3", "session":"s3".
	{regexp.MustCompile(`((?:"|&#34;)(?:id|session)(?:"|&#34;): ?(?:"|&#34;)[rs])[0-9]+((?:"|&#34;))`), `${1}<N>${2}`},
}

// scratchPath is a case's or a gateway's scratch folder.
var scratchPath = regexp.MustCompile(`(?:/dev/shm|` + regexp.QuoteMeta(os.TempDir()) + `)/fallbackgate-(?:case|gateway|mutate)-[0-9]+`)

// normalize returns a report with what differs between runs of the same
// seed replaced by placeholders, and dir, the report folder, by <DIR>.
func normalize(s, dir string) string {
	if dir != "" {
		s = strings.ReplaceAll(s, dir, "<DIR>")
	}
	s = scratchPath.ReplaceAllString(s, "<SCRATCH>")
	for _, n := range normalizers {
		s = n.re.ReplaceAllString(s, n.repl)
	}
	return s
}

// TestNormalize proves the normalizer hides only what varies: two runs'
// worth of clock and ids read the same, and the rest of each line stays.
func TestNormalize(t *testing.T) {
	for _, tt := range []struct{ a, b, want string }{
		{`"started": "2026-11-28T23:55:08.082793087Z",`, `"started": "2026-11-29T00:06:27.739100532Z",`, `"started": "<TIME>",`},
		{`"elapsed_ns": 88163115,`, `"elapsed_ns": 121508263,`, `"elapsed_ns": <DUR>,`},
		{`"at_ns": 7479448,`, `"at_ns": 11803326,`, `"at_ns": <AT>,`},
		{`<testcase name="SF-1 primary-succeeds" time="0.011">`, `<testcase name="SF-1 primary-succeeds" time="0.2">`, `<testcase name="SF-1 primary-succeeds" time="<DUR>">`},
		{`#1 +363.573ms openai-codex resolve`, `#1 +9.256ms openai-codex resolve`, `#1 +<AT> openai-codex resolve`},
		{`#12 &#43;850µs x`, `#12 &#43;1m2.5s x`, `#12 &#43;<AT> x`},
		{`seed 42, started 2026-11-28T23:55:08Z, took 88ms: 27 passed`, `seed 42, started 2026-11-29T00:06:27Z, took 1.2s: 27 passed`, `seed 42, started <TIME>, took <DUR>: 27 passed`},
		{`<span class="dot" style="left: 33.3%">`, `<span class="dot" style="left: 100%">`, `<span class="dot" style="left: <X>%">`},
		{`{"id":"r7","session":"s7","ok":true}`, `{"id":"r12","session":"s12","ok":true}`, `{"id":"r<N>","session":"s<N>","ok":true}`},
		{`"id": "r6",`, `"id": "r9",`, `"id": "r<N>",`},
		{`&#34;id&#34;:&#34;r3&#34;,`, `&#34;id&#34;:&#34;r2&#34;,`, `&#34;id&#34;:&#34;r<N>&#34;,`},
	} {
		if a, b := normalize(tt.a, ""), normalize(tt.b, ""); a != tt.want || b != tt.want {
			t.Errorf("normalize(%q) = %q, normalize(%q) = %q; want %q", tt.a, a, tt.b, b, tt.want)
		}
	}
	// What must not change: seeds, exit codes, rules, ledger sequence
	// numbers, models, a provider id that looks like a gateway id.
	for _, s := range []string{
		`"seed": 9156370175857078870,`, `"exit_code": 75,`, `R7: quota amplification`, `#3 openai-codex`,
		`model=gpt-5.5 429`, `"provider": "r3",`, `"status": 429,`, `time: 3`, `fallback_events: 1`,
	} {
		if got := normalize(s, ""); got != s {
			t.Errorf("normalize(%q) = %q; want it unchanged", s, got)
		}
	}
}
