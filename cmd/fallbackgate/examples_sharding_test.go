package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/fallbackgate/fallbackgate/reports"
)

// The worked examples of a sharded run (examples/sharding): a GitHub
// Actions workflow with a matrix of shards and a merge job, and a
// Kubernetes Indexed Job with a merge Job. Each test parses the files and
// runs their fallbackgate command lines as they stand, through bash, in a
// folder that stands for the checkout (or the image's /work) with the
// repository's examples/ in it, and with the built command first on PATH
// where the jobs install it. What the platform provides is provided as it
// would be: the matrix value in place of ${{ matrix.shard }},
// GITHUB_RUN_ID and JOB_COMPLETION_INDEX in the environment, the artifacts
// copied as upload-artifact and download-artifact do, one shared folder
// for the volume.

// exampleShell runs a command line through bash in dir, the built command
// first on PATH, with env added, and returns its output and exit code.
func exampleShell(t *testing.T, dir, line string, env ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("bash", "-c", line)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + filepath.Dir(hostileBinary(t)) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + dir, "TMPDIR=" + t.TempDir()}, env...)
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil {
		t.Fatalf("%s: %v", line, err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

// exampleWorkdir makes a folder that stands for a checkout of the
// repository: the repository's examples/ in it.
func exampleWorkdir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(moduleRoot(t), "examples"), filepath.Join(dir, "examples")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// copyTree copies the files under src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkMerged checks the merged reports in dir: the whole run, the Python
// example's gateway on the nine scenarios, checks generated cases and 160
// chaos start-ups, passing, with the merged chaos history.
func checkMerged(t *testing.T, dir string, checks int) {
	t.Helper()
	r, err := reports.ReadJSONFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Shard != nil || len(r.Cases) != 9 || !r.OK() {
		t.Errorf("merged results: shard %v, %d cases, ok %t; want the whole run's 9 passing cases", r.Shard, len(r.Cases), r.OK())
	}
	if p := r.Properties; p == nil || p.Cases != checks || !p.OK() {
		t.Errorf("merged properties %+v; want %d passing cases", p, checks)
	}
	if c := r.Chaos; c == nil || c.Startups != 160 || !c.OK() || !strings.HasSuffix(c.History, "/chaos.jsonl") {
		t.Errorf("merged chaos %+v; want 160 passing start-ups and the merged history", c)
	}
	if _, err := os.Stat(filepath.Join(dir, "chaos.jsonl")); err != nil {
		t.Errorf("the merged chaos history: %v", err)
	}
}

// shardArg finds the --shard "K/N" of a command line: K's expression and N.
var shardArg = regexp.MustCompile(`--shard "([^"]+)/([0-9]+)"`)

func needPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on PATH, so the Python example cannot run (CI installs it): " + err.Error())
	}
}

// TestExampleGitHubActions runs examples/sharding/github-actions.yml: its
// matrix of shards, each shard's fallbackgate line with the matrix value,
// the artifacts uploaded and downloaded as the actions do, and the merge
// job's line, which must pass with the whole run's counts.
func TestExampleGitHubActions(t *testing.T) {
	needPython(t)
	data, err := os.ReadFile(filepath.Join(moduleRoot(t), "examples", "sharding", "github-actions.yml"))
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		Uses string            `yaml:"uses"`
		Run  string            `yaml:"run"`
		If   string            `yaml:"if"`
		With map[string]string `yaml:"with"`
	}
	var wf struct {
		On   any `yaml:"on"`
		Jobs map[string]struct {
			Needs    string `yaml:"needs"`
			If       string `yaml:"if"`
			RunsOn   string `yaml:"runs-on"`
			Strategy struct {
				FailFast *bool            `yaml:"fail-fast"`
				Matrix   map[string][]int `yaml:"matrix"`
			} `yaml:"strategy"`
			Steps []step `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	shard, merge := wf.Jobs["shard"], wf.Jobs["merge"]
	values := shard.Strategy.Matrix["shard"]
	if wf.On == nil || shard.RunsOn == "" || len(values) < 2 || shard.Strategy.FailFast == nil || *shard.Strategy.FailFast {
		t.Fatalf("the shard job: trigger %v, runner %q, matrix %v, fail-fast %v; want a matrix of shards that all run to their end",
			wf.On, shard.RunsOn, shard.Strategy.Matrix, shard.Strategy.FailFast)
	}
	if merge.Needs != "shard" || merge.If != "always()" {
		t.Errorf("the merge job needs %q if %q; want it after the shards, always", merge.Needs, merge.If)
	}
	const matrixShard = "${{ matrix.shard }}"
	var lines []string
	var upload, download step
	for _, s := range shard.Steps {
		if strings.HasPrefix(s.Run, "fallbackgate ") {
			lines = append(lines, s.Run)
		}
		if strings.HasPrefix(s.Uses, "actions/upload-artifact@") {
			upload = s
		}
	}
	for _, s := range merge.Steps {
		if strings.HasPrefix(s.Uses, "actions/download-artifact@") {
			download = s
		}
	}
	if len(lines) != 1 {
		t.Fatalf("the shard job runs fallbackgate %d times; want once: %q", len(lines), lines)
	}
	m := shardArg.FindStringSubmatch(lines[0])
	if m == nil || m[1] != matrixShard || m[2] != strconv.Itoa(len(values)) || slices.Max(values) != len(values) || slices.Min(values) != 1 {
		t.Fatalf("the shard job runs %q with a matrix %v; want --shard \"%s/N\" with N the matrix's size and the matrix 1…N", lines[0], values, matrixShard)
	}
	if upload.If != "always()" || !strings.Contains(upload.With["name"], matrixShard) || upload.With["path"] == "" || download.With["pattern"] == "" {
		t.Fatalf("upload %+v, download %+v; want every shard's report folder uploaded under a name of its own, always, and downloaded by pattern", upload, download)
	}

	root := t.TempDir()
	artifacts := filepath.Join(root, "artifacts")
	var wg sync.WaitGroup
	for _, v := range values {
		wg.Go(func() {
			dir := exampleWorkdir(t, filepath.Join(root, fmt.Sprintf("shard-%d", v)))
			line := strings.ReplaceAll(lines[0], matrixShard, strconv.Itoa(v))
			if out, code := exampleShell(t, dir, line, "GITHUB_RUN_ID=20260607"); code != 0 {
				t.Errorf("shard %d: %s: exit %d\n%s", v, line, code, out)
				return
			}
			name := strings.ReplaceAll(upload.With["name"], matrixShard, strconv.Itoa(v))
			copyTree(t, filepath.Join(dir, upload.With["path"]), filepath.Join(artifacts, name))
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// download-artifact: every artifact whose name matches the pattern, each
	// in a folder of its name under path.
	dir := exampleWorkdir(t, filepath.Join(root, "merge"))
	names, _ := os.ReadDir(artifacts)
	for _, n := range names {
		if ok, _ := filepath.Match(download.With["pattern"], n.Name()); ok {
			copyTree(t, filepath.Join(artifacts, n.Name()), filepath.Join(dir, download.With["path"], n.Name()))
		}
	}
	ran := 0
	for _, s := range merge.Steps {
		if !strings.HasPrefix(s.Run, "fallbackgate ") {
			continue
		}
		ran++
		if out, code := exampleShell(t, dir, s.Run, "GITHUB_RUN_ID=20260607"); code != 0 {
			t.Fatalf("merge: %s: exit %d\n%s", s.Run, code, out)
		}
	}
	if ran != 1 {
		t.Fatalf("the merge job runs fallbackgate %d times; want once", ran)
	}
	checkMerged(t, filepath.Join(dir, "reports-out"), 1000)
}

// k8sContainer is the part of a Job's pod template the example sets.
type k8sContainer struct {
	Image      string   `yaml:"image"`
	WorkingDir string   `yaml:"workingDir"`
	Command    []string `yaml:"command"`
	Args       []string `yaml:"args"`
	Env        []struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	} `yaml:"env"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

// k8sDoc is one document of a manifest: a Job or a PersistentVolumeClaim.
type k8sDoc struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    int    `yaml:"completions"`
		Parallelism    int    `yaml:"parallelism"`
		Template       struct {
			Spec struct {
				RestartPolicy string         `yaml:"restartPolicy"`
				Containers    []k8sContainer `yaml:"containers"`
				Volumes       []struct {
					Name string `yaml:"name"`
					PVC  struct {
						ClaimName string `yaml:"claimName"`
					} `yaml:"persistentVolumeClaim"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// readK8s reads the documents of a manifest in examples/sharding.
func readK8s(t *testing.T, name string) []k8sDoc {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(moduleRoot(t), "examples", "sharding", name))
	if err != nil {
		t.Fatal(err)
	}
	var docs []k8sDoc
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var d k8sDoc
		if err := dec.Decode(&d); err != nil {
			if errors.Is(err, io.EOF) {
				return docs
			}
			t.Fatalf("%s: %v", name, err)
		}
		docs = append(docs, d)
	}
}

// jobOf returns the Job of docs and its one container.
func jobOf(t *testing.T, name string, docs []k8sDoc) (k8sDoc, k8sContainer) {
	t.Helper()
	for _, d := range docs {
		if d.Kind == "Job" {
			if cs := d.Spec.Template.Spec.Containers; len(cs) == 1 {
				return d, cs[0]
			}
		}
	}
	t.Fatalf("%s holds no Job with one container", name)
	return k8sDoc{}, k8sContainer{}
}

// TestExampleKubernetes runs examples/sharding/kubernetes-shards.yaml (an
// Indexed Job: each index's command with JOB_COMPLETION_INDEX set, in one
// folder that stands for the image's working directory with the shared
// volume in it) and then kubernetes-merge.yaml. Shard K must be index + 1
// of completions, and the merge must pass with the whole run's counts. The
// image of examples/sharding/Dockerfile must hold the subject where the
// Jobs look for it.
func TestExampleKubernetes(t *testing.T) {
	needPython(t)
	shards, sc := jobOf(t, "kubernetes-shards.yaml", readK8s(t, "kubernetes-shards.yaml"))
	mergeDocs := readK8s(t, "kubernetes-merge.yaml")
	_, mc := jobOf(t, "kubernetes-merge.yaml", mergeDocs)
	n := shards.Spec.Completions
	if shards.Spec.CompletionMode != "Indexed" || n < 2 || shards.Spec.Template.Spec.RestartPolicy != "Never" {
		t.Fatalf("the shards' Job: completion mode %q, %d completions; want an Indexed Job of several", shards.Spec.CompletionMode, n)
	}
	script := strings.Join(sc.Args, " ")
	if m := shardArg.FindStringSubmatch(script); m == nil || m[1] != "$((JOB_COMPLETION_INDEX + 1))" || m[2] != strconv.Itoa(n) {
		t.Fatalf("the shards run %q; want --shard \"$((JOB_COMPLETION_INDEX + 1))/%d\" (completions)", script, n)
	}
	for _, c := range []k8sContainer{sc, mc} {
		if c.Image != sc.Image || c.WorkingDir != sc.WorkingDir || len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != sc.WorkingDir+"/results" {
			t.Errorf("container %+v; want both Jobs on one image and working directory, the shared volume at results/ in it", c)
		}
	}
	claims := map[string]bool{}
	for _, d := range append(readK8s(t, "kubernetes-shards.yaml"), mergeDocs...) {
		if d.Kind == "PersistentVolumeClaim" {
			claims[d.Metadata.Name] = true
		}
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.PVC.ClaimName != "" && !claims[v.PVC.ClaimName] {
				t.Errorf("%s mounts the claim %q, which no manifest before it declares", d.Metadata.Name, v.PVC.ClaimName)
			}
		}
	}
	docker, err := os.ReadFile(filepath.Join(moduleRoot(t), "examples", "sharding", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(docker), "\nWORKDIR "+sc.WorkingDir+"\n") || !strings.Contains(string(docker), "\nCOPY examples/python-subject examples/python-subject\n") ||
		!strings.Contains(script, "--subject examples/python-subject/subject.yaml") {
		t.Errorf("the Dockerfile does not put the subject the Jobs name (%q) under their working directory %s", script, sc.WorkingDir)
	}

	work := exampleWorkdir(t, filepath.Join(t.TempDir(), "work"))
	if err := os.Mkdir(filepath.Join(work, "results"), 0o755); err != nil { // the shared volume
		t.Fatal(err)
	}
	env := func(c k8sContainer, more ...string) []string {
		for _, e := range c.Env {
			more = append(more, e.Name+"="+e.Value)
		}
		return more
	}
	line := func(c k8sContainer) string {
		if len(c.Command) != 2 || c.Command[0] != "bash" || c.Command[1] != "-c" || len(c.Args) != 1 {
			t.Fatalf("container command %q args %q; want bash -c and one script", c.Command, c.Args)
		}
		return c.Args[0]
	}
	var wg sync.WaitGroup
	for index := range n {
		wg.Go(func() {
			if out, code := exampleShell(t, work, line(sc), env(sc, fmt.Sprintf("JOB_COMPLETION_INDEX=%d", index))...); code != 0 {
				t.Errorf("index %d: exit %d\n%s", index, code, out)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for index := range n {
		r, err := reports.ReadJSONFile(filepath.Join(work, "results", fmt.Sprintf("shard-%d", index+1), "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		if r.Shard == nil || r.Shard.K != index+1 || r.Shard.N != n {
			t.Errorf("index %d wrote shard %+v; want %d/%d", index, r.Shard, index+1, n)
		}
	}
	if out, code := exampleShell(t, work, line(mc), env(mc)...); code != 0 {
		t.Fatalf("merge: exit %d\n%s", code, out)
	}
	checkMerged(t, filepath.Join(work, "results", "merged"), 2000)
}
