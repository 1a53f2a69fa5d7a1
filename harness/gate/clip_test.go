package gate

import (
	"strings"
	"testing"
)

// TestClipOutputKeepsHeadAndTail: a long output keeps its first and its
// last lines (a Go panic's message comes first, a Python traceback's
// error last), says how much it left out, and stays under 4 KiB and a bit.
func TestClipOutputKeepsHeadAndTail(t *testing.T) {
	var b strings.Builder
	b.WriteString("panic: runtime error: index out of range\n")
	for i := range 500 {
		b.WriteString("  frame ")
		b.WriteString(strings.Repeat("x", i%40))
		b.WriteString("\n")
	}
	b.WriteString("ModuleNotFoundError: No module named 'sdk'\n")
	s := b.String()
	got := clipOutput(s)
	for _, want := range []string{"panic: runtime error", "ModuleNotFoundError: No module named 'sdk'\n", "bytes not kept) …\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("clipped output lacks %q", want)
		}
	}
	if len(got) > 4200 || len(got) >= len(s) {
		t.Errorf("clipped to %d bytes from %d", len(got), len(s))
	}
	if short := "one line\n"; clipOutput(short) != short {
		t.Errorf("a short output was changed")
	}
	if u := strings.Repeat("é", 3000); !strings.Contains(clipOutput(u), "é… (") || strings.ContainsRune(clipOutput(u), '\uFFFD') {
		t.Errorf("clipping cut a rune")
	}
}
