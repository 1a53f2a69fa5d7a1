package exec

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/fallbackgate/fallbackgate/fakes"
)

// tailKeep is how much of the end of a stream a capture keeps for crash
// messages, whatever it handed on.
const tailKeep = 4 << 10

// maxPartialToken bounds how much a cut trims to drop a token it split:
// more than the longest encoding of a key (escaped, 6 bytes a character).
const maxPartialToken = 256

// capture reads one output stream of a subject process and keeps at most
// limit bytes of it. Past the limit it stops reading (the protocol's bound:
// the harness reads no more than that) and calls onFlood, which kills the
// process group. In window mode (the gateway's stderr) the limit bounds
// what was written since the last take, and take hands that on to a case.
type capture struct {
	mu      sync.Mutex
	limit   int
	window  bool
	onFlood func()
	buf     []byte
	last    []byte // the last tailKeep bytes read
	total   int64
	flooded bool
}

func newCapture(limit int) *capture { return &capture{limit: limit} }

// newWindow returns a capture in window mode.
func newWindow(limit int) *capture { return &capture{limit: limit, window: true} }

// drain reads r until its end or the limit.
func (c *capture) drain(r io.Reader) {
	b := make([]byte, 32<<10)
	for {
		n, err := r.Read(b)
		if n > 0 && !c.add(b[:n]) {
			if c.onFlood != nil {
				c.onFlood()
			}
			return
		}
		if err != nil {
			return
		}
	}
}

// add keeps p, and reports false when it went past the limit: then what
// fits is kept, less a token the cut split (a key's prefix must not
// survive a cut).
func (c *capture) add(p []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += int64(len(p))
	c.last = append(c.last, p...)
	if len(c.last) > 2*tailKeep {
		c.last = append([]byte(nil), c.last[len(c.last)-tailKeep:]...)
	}
	if room := c.limit - len(c.buf); len(p) > room {
		c.buf = trimPartialToken(append(c.buf, p[:room]...), true)
		c.flooded = true
		return false
	}
	c.buf = append(c.buf, p...)
	return true
}

func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.buf)
}

// Truncated reports whether the stream went past the limit.
func (c *capture) Truncated() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flooded
}

// take returns what was kept since the last take and forgets it (window
// mode).
func (c *capture) take() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := string(c.buf)
	c.buf = nil
	return s
}

// tail returns the end of the stream, at most n bytes, redacted before it
// is cut, for crash messages; leaked reports whether it held a secret.
func (c *capture) tail(n int) (s string, leaked bool) {
	c.mu.Lock()
	raw := c.last
	if int64(len(raw)) < c.total {
		raw = trimPartialToken(raw, false) // the kept end starts mid-stream
	}
	c.mu.Unlock()
	leaked = fakes.HasSecret(string(raw))
	s = strings.TrimSpace(fakes.Redact(string(raw)))
	if len(s) > n {
		s = "…" + string(trimPartialToken([]byte(s[len(s)-n:]), false))
	}
	return s, leaked
}

// excerpt returns about n bytes of the end of the stream (what tail keeps),
// redacted before it is cut, for crash messages: its first third and its
// last two thirds when it is longer, so that the error line survives
// whether it came first (a Go panic) or last (a Python traceback).
func (c *capture) excerpt(n int) (s string, leaked bool) {
	s, leaked = c.tail(tailKeep)
	s = strings.TrimPrefix(s, "…")
	if len(s) > n {
		h, t := n/3, len(s)-(n-n/3)
		for h > 0 && !utf8.RuneStart(s[h]) {
			h--
		}
		for t < len(s) && !utf8.RuneStart(s[t]) {
			t++
		}
		s = s[:h] + " … " + s[t:]
	}
	return s, leaked
}

func (c *capture) overflow(stream string) string {
	if c.window {
		return fmt.Sprintf("output flood: more than %d bytes on %s since the last reply; process group killed", c.limit, stream)
	}
	return fmt.Sprintf("output flood: more than %d bytes on %s; process group killed", c.limit, stream)
}

// trimPartialToken drops the run of key-alphabet characters (letters,
// digits and the characters of the encodings fakes.FindSecrets reads) at
// the end of b (atEnd) or at its start, at most maxPartialToken of them:
// a cut through a key leaves no prefix or suffix of it.
func trimPartialToken(b []byte, atEnd bool) []byte {
	n := 0
	for n < len(b) && n < maxPartialToken {
		i := n
		if atEnd {
			i = len(b) - 1 - n
		}
		if !keyChar(b[i]) {
			break
		}
		n++
	}
	if atEnd {
		return b[:len(b)-n]
	}
	return b[n:]
}

func keyChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '_', '+', '/', '=', '%', '\\', '&', '#', ';':
		return true
	}
	return false
}
