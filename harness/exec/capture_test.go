package exec

import (
	"strings"
	"testing"
)

// TestCaptureFloodCutLeavesNoKeyPrefix: a stream cut at the capture limit
// in the middle of a key keeps no prefix of it.
func TestCaptureFloodCutLeavesNoKeyPrefix(t *testing.T) {
	c := newCapture(len("log: ") + 10)
	if c.add([]byte("log: " + hostileKey + "\n")) {
		t.Fatal("add past the limit reported true; want false (a flood)")
	}
	if got := c.String(); got != "log: " {
		t.Errorf("capture cut through a key kept %q; want %q (no prefix of the key)", got, "log: ")
	}
	if !c.Truncated() {
		t.Error("Truncated() = false after a flood")
	}
}

// TestCaptureTailLeavesNoKeySuffix: when the end a capture keeps for crash
// messages starts in the middle of a key, the tail keeps no suffix of it.
func TestCaptureTailLeavesNoKeySuffix(t *testing.T) {
	suffix := hostileKey[5:]
	kept := suffix + strings.Repeat(" ", tailKeep-len(suffix)) // the last tailKeep bytes
	c := newCapture(1 << 20)
	c.add([]byte(strings.Repeat(" ", tailKeep+10) + hostileKey[:5] + kept))
	if s, _ := c.tail(tailKeep); strings.Contains(s, suffix[:10]) {
		t.Errorf("tail = %q; want no suffix of the key the kept end starts in", s)
	}
}

// TestCaptureTailRedacts: the tail of a stream that printed a key holds no
// key, and says it leaked one.
func TestCaptureTailRedacts(t *testing.T) {
	c := newCapture(1 << 20)
	c.add([]byte("panic: bad key " + hostileKey + "\n"))
	s, leaked := c.tail(tailKeep)
	if strings.Contains(s, hostileKey) || !leaked {
		t.Errorf("tail = %q, leaked %t; want the key redacted and leaked true", s, leaked)
	}
	if !strings.HasPrefix(s, "panic: bad key ") {
		t.Errorf("tail = %q; want the line kept around the redacted key", s)
	}
}
