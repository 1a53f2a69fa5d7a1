package exec

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fallbackgate/fallbackgate/fakes"
)

// TestScrubKeptBoundsWhatItReads: scrubKept redacts a file of a kept
// folder within maxScrub bytes in place, and removes a larger one, which
// it reads no further than the bound.
func TestScrubKeptBoundsWhatItReads(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(small, []byte("key="+hostileKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, maxScrub+1)
	copy(big, hostileKey)
	if err := os.WriteFile(filepath.Join(dir, "big.log"), big, 0o600); err != nil {
		t.Fatal(err)
	}
	removed, err := scrubKept(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, []string{"big.log"}) {
		t.Errorf("removed %q; want [big.log], the file past maxScrub", removed)
	}
	if got, err := os.ReadFile(small); err != nil || string(got) != "key="+fakes.Redacted+"\n" {
		t.Errorf("notes.txt = %q, %v; want the key redacted", got, err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "big.log")); !os.IsNotExist(err) {
		t.Errorf("big.log: %v; want it removed", err)
	}
}
