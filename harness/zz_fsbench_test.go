package harness

import (
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkScratchOnly(b *testing.B) {
	root := b.TempDir()
	c := execCase("bench")
	for b.Loop() {
		dir, _ := os.MkdirTemp(root, "x-*")
		c.Events, c.Home = filepath.Join(dir, "events.jsonl"), filepath.Join(dir, "home")
		if _, _, err := writeCaseDir(dir, c, false); err != nil {
			b.Fatal(err)
		}
		os.RemoveAll(dir)
	}
}
