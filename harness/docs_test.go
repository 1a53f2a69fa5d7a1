package harness_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestDocCopiesMatchShared: the repository carries copies of PROTOCOL.md
// (harness/) and CONTRACT.md (resolver/), so that a clone holds what an
// adapter is written from. Where the shared originals sit beside the
// checkout (../shared), the copies must be byte for byte the same; a clone
// without them skips.
func TestDocCopiesMatchShared(t *testing.T) {
	for copyPath, name := range map[string]string{"PROTOCOL.md": "PROTOCOL.md", "../resolver/CONTRACT.md": "CONTRACT.md"} {
		orig, err := os.ReadFile(filepath.Join("..", "..", "shared", name))
		if os.IsNotExist(err) {
			t.Skipf("../shared/%s is not beside this checkout", name)
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(copyPath)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, orig) {
			t.Errorf("%s differs from ../shared/%s: copy it again (cp ../shared/%s %s)", copyPath, name, name, copyPath)
		}
	}
}
