package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/fallbackgate/fallbackgate/cmd/fallbackgate/cli"
	"github.com/fallbackgate/fallbackgate/reports"
)

// readmeYAML returns the YAML code blocks of the README.
func readmeYAML(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(moduleRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(data), -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// runFlags are the flags of fallbackgate run, read from its help.
func runFlags(t *testing.T) []string {
	t.Helper()
	var help bytes.Buffer
	_ = cli.Run(context.Background(), []string{"run", "--help"}, cli.Streams{Stdin: strings.NewReader(""), Stdout: &help, Stderr: &help})
	var flags []string
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z][a-z0-9-]*)`).FindAllStringSubmatch(help.String(), -1) {
		flags = append(flags, m[1])
	}
	if len(flags) < 10 {
		t.Fatalf("run --help lists %d flags:\n%s", len(flags), help.String())
	}
	return flags
}

// checkRunLine checks a fallbackgate run command line of a job: the
// subject, a report folder whose files the job keeps, and only flags run
// knows.
func checkRunLine(t *testing.T, job, line string, flags []string) {
	t.Helper()
	if !strings.HasPrefix(line, "fallbackgate run ") || !strings.Contains(line, "--subject ") || !strings.Contains(line, "--report-dir reports-out") {
		t.Errorf("%s: the gate runs as %q; want fallbackgate run with --subject and --report-dir reports-out", job, line)
	}
	for _, f := range regexp.MustCompile(`--([a-z][a-z0-9-]*)`).FindAllStringSubmatch(line, -1) {
		if !slices.Contains(flags, f[1]) {
			t.Errorf("%s: fallbackgate run has no flag --%s", job, f[1])
		}
	}
}

// TestREADMECIJobs: the README's GitHub Actions and GitLab snippets are
// complete jobs that parse: Go set up, fallbackgate installed from this
// module, the gate run with flags it has, and the report files it writes
// kept whatever the outcome (the JUnit file given to GitLab).
func TestREADMECIJobs(t *testing.T) {
	flags := runFlags(t)
	files := map[string]bool{}
	for _, f := range reports.Formats {
		files["reports-out/"+f.File] = true
	}
	var github, gitlab int
	for _, block := range readmeYAML(t) {
		var doc map[string]any
		if err := yaml.Unmarshal([]byte(block), &doc); err != nil {
			t.Errorf("a YAML block of the README does not parse: %v\n%s", err, block)
			continue
		}
		switch {
		case doc["jobs"] != nil:
			github++
			var wf struct {
				On   any `yaml:"on"`
				Jobs map[string]struct {
					RunsOn string `yaml:"runs-on"`
					Steps  []struct {
						Uses string            `yaml:"uses"`
						Run  string            `yaml:"run"`
						If   string            `yaml:"if"`
						With map[string]string `yaml:"with"`
					} `yaml:"steps"`
				} `yaml:"jobs"`
			}
			if err := yaml.Unmarshal([]byte(block), &wf); err != nil {
				t.Fatal(err)
			}
			job := wf.Jobs["fallbackgate"]
			if wf.On == nil || job.RunsOn == "" {
				t.Errorf("GitHub: no trigger or runner: %+v", wf)
			}
			var uses, runs []string
			uploaded := ""
			for _, s := range job.Steps {
				uses = append(uses, strings.Split(s.Uses, "@")[0])
				runs = append(runs, s.Run)
				if strings.HasPrefix(s.Uses, "actions/upload-artifact@") {
					if s.If != "always()" {
						t.Errorf("GitHub: the reports are uploaded if %q; want always()", s.If)
					}
					uploaded = s.With["path"]
				}
				if strings.HasPrefix(s.Uses, "actions/setup-go@") && s.With["go-version"] != "1.26" {
					t.Errorf("GitHub: setup-go %v; want go-version 1.26", s.With)
				}
				if strings.HasPrefix(s.Run, "fallbackgate run") {
					checkRunLine(t, "GitHub", s.Run, flags)
				}
			}
			for _, want := range []string{"actions/checkout", "actions/setup-go", "actions/upload-artifact"} {
				if !slices.Contains(uses, want) {
					t.Errorf("GitHub: no step uses %s", want)
				}
			}
			if !slices.ContainsFunc(runs, func(r string) bool {
				return strings.HasPrefix(r, "go install github.com/fallbackgate/fallbackgate/cmd/fallbackgate@")
			}) {
				t.Errorf("GitHub: fallbackgate is not installed with go install: %q", runs)
			}
			for f := range files {
				if f != "reports-out/summary.md" && !strings.Contains(uploaded, f) {
					t.Errorf("GitHub: the upload keeps no %s", f)
				}
			}
		case doc["fallbackgate"] != nil:
			var ci struct {
				Fallbackgate struct {
					Image        string   `yaml:"image"`
					BeforeScript []string `yaml:"before_script"`
					Script       []string `yaml:"script"`
					Artifacts    struct {
						When    string            `yaml:"when"`
						Paths   []string          `yaml:"paths"`
						Reports map[string]string `yaml:"reports"`
					} `yaml:"artifacts"`
				} `yaml:"fallbackgate"`
			}
			if err := yaml.Unmarshal([]byte(block), &ci); err != nil {
				t.Fatal(err)
			}
			job := ci.Fallbackgate
			if job.Script == nil {
				continue // not a GitLab job
			}
			gitlab++
			if !strings.HasPrefix(job.Image, "golang:1.26") {
				t.Errorf("GitLab: image %q; want Go 1.26", job.Image)
			}
			if !slices.ContainsFunc(job.BeforeScript, func(l string) bool {
				return strings.HasPrefix(l, "go install github.com/fallbackgate/fallbackgate/cmd/fallbackgate@")
			}) {
				t.Errorf("GitLab: fallbackgate is not installed with go install: %q", job.BeforeScript)
			}
			for _, l := range job.Script {
				checkRunLine(t, "GitLab", l, flags)
			}
			if job.Artifacts.When != "always" || job.Artifacts.Reports["junit"] != "reports-out/junit.xml" {
				t.Errorf("GitLab: artifacts %+v; want them always, with the JUnit report", job.Artifacts)
			}
			for f := range files {
				if f != "reports-out/junit.xml" && !slices.Contains(job.Artifacts.Paths, f) {
					t.Errorf("GitLab: the artifacts keep no %s", f)
				}
			}
		}
	}
	if github != 1 || gitlab != 1 {
		t.Errorf("the README has %d GitHub Actions workflow(s) and %d GitLab job(s); want one of each", github, gitlab)
	}
}
