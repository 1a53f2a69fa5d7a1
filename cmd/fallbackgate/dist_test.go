package main

import (
	"bufio"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestMakeDist: make dist plans a static (CGO_ENABLED=0, -trimpath)
// binary for linux and darwin on amd64 and arm64, and, run for this
// machine's platform into a folder of the test's, writes a statically
// linked binary that runs and says the version it was given, and its
// SHA-256 in SHA256SUMS. dist/ is ignored by git.
func TestMakeDist(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make: " + err.Error())
	}
	root := moduleRoot(t)
	plan, err := exec.Command("make", "-C", root, "-n", "dist").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n dist: %v\n%s", err, plan)
	}
	for _, want := range []string{"linux/amd64 linux/arm64 darwin/amd64 darwin/arm64", "CGO_ENABLED=0", "-trimpath", "SHA256SUMS"} {
		if !strings.Contains(string(plan), want) {
			t.Errorf("make dist does not plan %q:\n%s", want, plan)
		}
	}
	ignore, err := os.ReadFile(filepath.Join(root, ".gitignore"))
	if err != nil || !regexp.MustCompile(`(?m)^/dist/$`).Match(ignore) {
		t.Errorf(".gitignore does not ignore /dist/ (%v)", err)
	}
	if runtime.GOOS != "linux" {
		t.Skip("checks an ELF binary")
	}
	dist := t.TempDir()
	platform := "linux/" + runtime.GOARCH
	out, err := exec.Command("make", "-C", root, "dist", "DIST="+dist, "PLATFORMS="+platform, "VERSION=v9.9.9-test").CombinedOutput()
	if err != nil {
		t.Fatalf("make dist: %v\n%s", err, out)
	}
	bin := filepath.Join(dist, "fallbackgate-linux-"+runtime.GOARCH)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s is dynamically linked (%v)", bin, p.Type)
		}
	}
	f.Close()
	version, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(version), "fallbackgate v9.9.9-test (") {
		t.Errorf("%s version: %q, %v", bin, version, err)
	}
	sums, err := os.Open(filepath.Join(dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer sums.Close()
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	sc := bufio.NewScanner(sums)
	found := false
	for sc.Scan() {
		found = found || sc.Text() == hex.EncodeToString(sum[:])+"  "+filepath.Base(bin)
	}
	if !found {
		t.Errorf("SHA256SUMS lacks the checksum of %s", filepath.Base(bin))
	}
}

// TestDockerfile checks examples/docker/Dockerfile as far as a test can
// without a Docker engine: a distroless or scratch base, the linux binary
// make dist writes for the build's platform, a non-root user, an
// entrypoint in exec form.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(moduleRoot(t), "examples", "docker", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	instr := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		op, arg, _ := strings.Cut(line, " ")
		instr[strings.ToUpper(op)] = append(instr[strings.ToUpper(op)], strings.TrimSpace(arg))
	}
	if from := instr["FROM"]; len(from) != 1 || !(strings.HasPrefix(from[0], "gcr.io/distroless/static") || from[0] == "scratch") {
		t.Errorf("FROM %q; want one stage on distroless/static or scratch", from)
	}
	if !slices.Contains(instr["ARG"], "TARGETARCH=amd64") {
		t.Errorf("ARG %q; want TARGETARCH, which buildx sets per platform", instr["ARG"])
	}
	copyLine := strings.Join(instr["COPY"], " ")
	src := strings.Fields(copyLine)[0]
	for _, arch := range []string{"amd64", "arm64"} { // what make dist writes for linux
		if got := strings.ReplaceAll(src, "${TARGETARCH}", arch); got != "dist/fallbackgate-linux-"+arch {
			t.Errorf("COPY %s is not the file make dist writes for linux/%s", src, arch)
		}
	}
	if u := instr["USER"]; len(u) != 1 || strings.HasPrefix(u[0], "root") || u[0] == "0" {
		t.Errorf("USER %q; want a non-root user", u)
	}
	var entry []string
	if e := instr["ENTRYPOINT"]; len(e) != 1 || json.Unmarshal([]byte(e[0]), &entry) != nil || entry[0] != strings.Fields(copyLine)[1] {
		t.Errorf("ENTRYPOINT %q; want the exec form running the copied binary", e)
	}
}
