package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMEIncidentExample: the README's worked incident example prints
// exactly what the README says it prints.
func TestREADMEIncidentExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	_, rest, ok := strings.Cut(readme, "A worked example: a file of your own, `anthropic-logout.yaml`,\n\n```yaml\n")
	if !ok {
		t.Fatal("the README has no worked incident example")
	}
	file, rest, _ := strings.Cut(rest, "```\n")
	_, rest, ok = strings.Cut(rest, "prints (exit 0):\n\n")
	if !ok {
		t.Fatal("the README does not show what the worked example prints")
	}
	var want strings.Builder
	for _, line := range strings.SplitAfter(rest, "\n") {
		if !strings.HasPrefix(line, "    ") && line != "\n" {
			break
		}
		want.WriteString(strings.TrimPrefix(line, "    "))
	}
	path := filepath.Join(t.TempDir(), "anthropic-logout.yaml")
	if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Dir(path))
	stdout, stderr, code := run(t, "replay", "anthropic-logout.yaml", "--seed", "1")
	if code != ExitConforms {
		t.Fatalf("exit %d; want 0\n%s%s", code, stdout, stderr)
	}
	if got := strings.TrimRight(want.String(), "\n") + "\n"; stdout != got {
		t.Errorf("the replay prints\n%s\nthe README says\n%s", stdout, got)
	}
}
