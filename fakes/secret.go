package fakes

import (
	"regexp"
	"slices"
	"strings"
)

// This file is the one detector and redactor of secrets. It finds the
// fakes' secrets (SecretPattern) in every encoding CONTRACT.md R16 names:
// as minted, upper-cased, split across lines, URL-encoded or escaped
// (%66, \u0066, \x66, &#102;), hex-encoded and base64-encoded (standard or
// URL alphabet, also wrapped over several lines). The checker cites R16
// for what it finds, and every writer of the harness (terminal, reports,
// histories, counterexample files, kept case folders, fakes serve) passes
// what it writes through Redact, before any truncation, so that no prefix
// of a key survives a cut.

// Redacted replaces every secret that Redact finds.
const Redacted = "[redacted]"

// The encodings FindSecrets tells apart.
const (
	EncodingPlain   = "plain"
	EncodingUpper   = "upper-case"
	EncodingSplit   = "split across lines"
	EncodingURL     = "URL-encoded"
	EncodingEscaped = "escaped"
	EncodingHex     = "hex"
	EncodingBase64  = "base64"
)

// secretLen is the length of a minted secret: a prefix "fgk-" or "fgr-"
// and 32 hex digits.
const secretLen = 4 + 32

// Leak is one secret found in a text: the bytes [Start, End) of the text
// hold it, in Encoding.
type Leak struct {
	Start, End int
	Encoding   string
}

// FindSecrets returns every secret of the fakes in text, in any encoding,
// in order of position; overlapping finds are merged into the first.
func FindSecrets(text string) []Leak {
	var leaks []Leak
	// As minted or upper-cased: the text itself.
	plain := identityView(text)
	leaks = plain.find(leaks, func(s, e int) string {
		if strings.ContainsAny(text[s:e], "ABCDEFGKR") {
			return EncodingUpper
		}
		return EncodingPlain
	})
	// Split across lines (or wrapped by a JSON or shell escape).
	split := splitView(text)
	if len(split.b) != len(text) {
		leaks = split.find(leaks, constEncoding(EncodingSplit))
	}
	// Escaped: %XX, \uXXXX, \xXX, &#N; (on the split text).
	if strings.ContainsAny(text, `%\&`) {
		esc, url := escapeView(split)
		enc := EncodingEscaped
		if url {
			enc = EncodingURL
		}
		leaks = esc.find(leaks, constEncoding(enc))
	}
	// Hex and base64 runs of the split text long enough to hold a secret.
	leaks = decodedRuns(split, leaks)
	return mergeLeaks(leaks)
}

// HasSecret reports whether text holds a secret of the fakes in any
// encoding.
func HasSecret(text string) bool { return len(FindSecrets(text)) > 0 }

// otherShapes match what other API keys and bearer tokens look like: a known
// key prefix followed by a long tail (sk-…, xai-…, GitHub and GitLab
// tokens), any short prefix followed by 24 or more hex digits, and the value
// of an Authorization: Bearer header. A key-shaped match counts only when it
// holds a digit, so that an error code such as
// xai_auth_missing_access_token reads as it is. They are the second line of
// defence for a key that is not the fakes' own.
var otherShapes = []*regexp.Regexp{
	regexp.MustCompile(`\b(?:sk|fgk|fgr|xai|rk|pk|ghp|gho|ghs|ghu|glpat)[-_][A-Za-z0-9_-]{16,}`),
	regexp.MustCompile(`\b[A-Za-z]{2,8}[-_][0-9a-fA-F]{24,}\b`),
	regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/-]{8,}=*`),
}

// redactShape returns what replaces a match m of otherShapes.
func redactShape(m string) string {
	switch {
	case strings.HasPrefix(strings.ToLower(m), "bearer"):
		return m[:len("bearer")] + " " + Redacted
	case !strings.ContainsAny(m, "0123456789"):
		return m
	}
	return Redacted
}

// Redact returns text with every secret of the fakes, in any encoding,
// and every other key-shaped token replaced by Redacted. Each replacement
// covers whole characters of its encoding and is plain ASCII without
// quotes, backslashes or markup, so a JSON, YAML, XML or HTML document
// stays well-formed. Callers that cut text must redact it first.
func Redact(text string) string {
	leaks := FindSecrets(text)
	if len(leaks) > 0 {
		var b strings.Builder
		b.Grow(len(text))
		at := 0
		for _, l := range leaks {
			b.WriteString(text[at:l.Start])
			b.WriteString(Redacted)
			at = l.End
		}
		b.WriteString(text[at:])
		text = b.String()
	}
	return redactShapes(text)
}

// redactShapes replaces what otherShapes match. The key shapes lie within
// one run of letters, digits, "-" and "_", so only runs long enough to hold
// one are searched (a regular expression over a whole megabyte of output
// is slow); the bearer shape only when the text says "bearer".
func redactShapes(text string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(text); {
		if !tokenChar(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && tokenChar(text[j]) {
			j++
		}
		if j-i >= minShape {
			tok := text[i:j]
			red := tok
			for _, re := range otherShapes[:2] {
				red = re.ReplaceAllStringFunc(red, redactShape)
			}
			if red != tok {
				b.WriteString(text[last:i])
				b.WriteString(red)
				last = j
			}
		}
		i = j
	}
	if last > 0 {
		b.WriteString(text[last:])
		text = b.String()
	}
	if containsFold(text, "bearer") {
		text = otherShapes[2].ReplaceAllStringFunc(text, redactShape)
	}
	return text
}

// minShape is the shortest token a key shape of otherShapes matches.
const minShape = 2 + 1 + 16

func tokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// containsFold reports whether text contains word (lower-case ASCII) in
// any case.
func containsFold(text, word string) bool {
	for i := 0; i+len(word) <= len(text); i++ {
		if lower(text[i]) == word[0] && strings.EqualFold(text[i:i+len(word)], word) {
			return true
		}
	}
	return false
}

// RedactBytes is Redact over bytes.
func RedactBytes(b []byte) []byte { return []byte(Redact(string(b))) }

// view is a decoding of a text: byte i of b stands for the bytes
// [from[i], to[i]) of the text. A nil from means the identity; a nil to
// means each byte stands for one (to[i] = from[i]+1).
type view struct {
	b        []byte
	from, to []int32
}

func identityView(text string) view { return view{b: []byte(text)} }

func (v view) span(i, j int) (int, int) {
	if v.from == nil {
		return i, j
	}
	if v.to == nil {
		return int(v.from[i]), int(v.from[j-1]) + 1
	}
	return int(v.from[i]), int(v.to[j-1])
}

func (v *view) add(c byte, from, to int) {
	v.b = append(v.b, c)
	v.from = append(v.from, int32(from))
	if v.to != nil {
		v.to = append(v.to, int32(to))
	}
}

func constEncoding(enc string) func(int, int) string {
	return func(int, int) string { return enc }
}

// find appends a leak for every match of a secret in v, upper or lower
// case, skipping matches that overlap a leak already found.
func (v view) find(leaks []Leak, encoding func(s, e int) string) []Leak {
	b := v.b
	for i := 0; i+secretLen <= len(b); i++ {
		if lower(b[i]) != 'f' || !secretAt(b[i:]) {
			continue
		}
		s, e := v.span(i, i+secretLen)
		if !overlaps(leaks, s, e) {
			leaks = append(leaks, Leak{Start: s, End: e, Encoding: encoding(s, e)})
		}
		i += secretLen - 1
	}
	return leaks
}

// secretAt reports whether b starts with a secret, in any case.
func secretAt(b []byte) bool {
	if lower(b[0]) != 'f' || lower(b[1]) != 'g' || (lower(b[2]) != 'k' && lower(b[2]) != 'r') || b[3] != '-' {
		return false
	}
	for _, c := range b[4:secretLen] {
		if hexVal(c) < 0 {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func hexVal(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func overlaps(leaks []Leak, s, e int) bool {
	for _, l := range leaks {
		if s < l.End && l.Start < e {
			return true
		}
	}
	return false
}

// splitView is the text without whitespace and without the two-character
// escapes of a line break or tab (\n, \r, \t), so that a secret split
// across lines, in raw output or inside a JSON string, reads whole.
func splitView(text string) view {
	v := view{b: make([]byte, 0, len(text)), from: make([]int32, 0, len(text))}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch c {
		case ' ', '\t', '\r', '\n', '\v', '\f':
			continue
		case '\\':
			if i+1 < len(text) && (text[i+1] == 'n' || text[i+1] == 'r' || text[i+1] == 't') {
				i++
				continue
			}
		}
		v.add(c, i, i+1)
	}
	return v
}

// escapeView decodes the escapes of v: %XX, \uXXXX, \xXX, &#N; and &#xN;.
// url reports whether a %XX escape was decoded.
func escapeView(v view) (out view, url bool) {
	out = view{b: make([]byte, 0, len(v.b)), from: make([]int32, 0, len(v.b)), to: make([]int32, 0, len(v.b))}
	b := v.b
	for i := 0; i < len(b); i++ {
		c, n := b[i], 1
		switch {
		case c == '%' && i+2 < len(b) && hexVal(b[i+1]) >= 0 && hexVal(b[i+2]) >= 0:
			c, n, url = byte(hexVal(b[i+1])<<4|hexVal(b[i+2])), 3, true
		case c == '\\' && i+5 < len(b) && b[i+1] == 'u' && b[i+2] == '0' && b[i+3] == '0' && hexVal(b[i+4]) >= 0 && hexVal(b[i+5]) >= 0:
			c, n = byte(hexVal(b[i+4])<<4|hexVal(b[i+5])), 6
		case c == '\\' && i+3 < len(b) && b[i+1] == 'x' && hexVal(b[i+2]) >= 0 && hexVal(b[i+3]) >= 0:
			c, n = byte(hexVal(b[i+2])<<4|hexVal(b[i+3])), 4
		case c == '&' && i+3 < len(b) && b[i+1] == '#':
			if d, m, ok := htmlEntity(b[i:]); ok {
				c, n = d, m
			}
		}
		s, _ := v.span(i, i+1)
		_, e := v.span(i+n-1, i+n)
		out.add(c, s, e)
		i += n - 1
	}
	return out, url
}

// htmlEntity decodes a numeric character reference &#N; or &#xN; below
// 128 at the start of b, returning the byte and its length.
func htmlEntity(b []byte) (byte, int, bool) {
	i, base := 2, 10
	if i < len(b) && (b[i] == 'x' || b[i] == 'X') {
		i, base = 3, 16
	}
	n, start := 0, i
	for ; i < len(b) && i < start+4; i++ {
		d := hexVal(b[i])
		if d < 0 || d >= base {
			break
		}
		n = n*base + d
	}
	if i == start || i >= len(b) || b[i] != ';' || n >= 128 {
		return 0, 0, false
	}
	return byte(n), i + 1, true
}

// The shortest hex and base64 runs that can hold a secret.
const (
	minHexRun    = 2 * secretLen
	minBase64Run = (secretLen + 2) / 3 * 4
)

// decodedRuns finds secrets in the hex and base64 runs of v.
func decodedRuns(v view, leaks []Leak) []Leak {
	b := v.b
	for i := 0; i < len(b); {
		if base64Val(b[i]) < 0 {
			i++
			continue
		}
		j := i
		for j < len(b) && base64Val(b[j]) >= 0 {
			j++
		}
		leaks = hexRuns(v, i, j, leaks)
		if j-i >= minBase64Run {
			for off := range 4 {
				leaks = decodeRun(v, i+off, j, 4, leaks)
			}
		}
		i = j
	}
	return leaks
}

// hexRuns decodes the maximal hex runs within [i, j) of v that are long
// enough to hold a secret: the whole run, or one inside a base64-alphabet
// run ("key=66676b2d…" without a separator).
func hexRuns(v view, i, j int, leaks []Leak) []Leak {
	for k := i; k < j; {
		if hexVal(v.b[k]) < 0 {
			k++
			continue
		}
		m := k
		for m < j && hexVal(v.b[m]) >= 0 {
			m++
		}
		if m-k >= minHexRun {
			for off := range 2 {
				leaks = decodeRun(v, k+off, m, 2, leaks)
			}
		}
		k = m
	}
	return leaks
}

// decodeChunk is how many characters of a run decodeRun decodes at once,
// a multiple of both group sizes: memory stays bounded on a flood.
const decodeChunk = 16 << 10

// decodeRun decodes v.b[i:j] in groups of group characters (2: hex, 4:
// base64) and appends the secrets found in the decoding, each spanning the
// whole groups that encode it. Long runs are decoded a chunk at a time,
// chunks overlapping by more than an encoded secret.
func decodeRun(v view, i, j, group int, leaks []Leak) []Leak {
	overlap := minBase64Run + 4
	if group == 2 {
		overlap = minHexRun + 2
	}
	for cs := i; cs < j; cs += decodeChunk {
		ce := min(cs+decodeChunk+overlap, j)
		leaks = decodeSpan(v, cs, ce, group, leaks)
		if ce == j {
			break
		}
	}
	return leaks
}

// decodeSpan decodes v.b[i:j], i on a group boundary, for decodeRun.
func decodeSpan(v view, i, j, group int, leaks []Leak) []Leak {
	var dec []byte
	for g := i; g+group <= j || (group == 4 && g+2 <= j); g += group {
		switch group {
		case 2:
			dec = append(dec, byte(hexVal(v.b[g])<<4|hexVal(v.b[g+1])))
		case 4:
			// The last group may be short (no padding, or cut by "="): two
			// characters hold one byte, three hold two.
			k := min(4, j-g)
			var n uint32
			for _, c := range v.b[g : g+k] {
				n = n<<6 | uint32(base64Val(c))
			}
			n <<= 6 * uint(4-k)
			dec = append(dec, []byte{byte(n >> 16), byte(n >> 8), byte(n)}[:k-1]...)
		}
	}
	if len(dec) < secretLen {
		return leaks
	}
	enc := EncodingBase64
	per := 3 // decoded bytes per group
	if group == 2 {
		enc, per = EncodingHex, 1
	}
	d := view{b: dec}
	for _, l := range d.find(nil, constEncoding(enc)) {
		first := i + l.Start/per*group
		last := min(i+(l.End-1)/per*group+group, j)
		s, _ := v.span(first, first+1)
		_, e := v.span(last-1, last)
		if !overlaps(leaks, s, e) {
			leaks = append(leaks, Leak{Start: s, End: e, Encoding: enc})
		}
	}
	return leaks
}

// base64Val is the value of c in the standard or the URL alphabet, or -1.
func base64Val(c byte) int {
	switch {
	case 'A' <= c && c <= 'Z':
		return int(c - 'A')
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 26
	case '0' <= c && c <= '9':
		return int(c-'0') + 52
	case c == '+', c == '-':
		return 62
	case c == '/', c == '_':
		return 63
	}
	return -1
}

// mergeLeaks sorts leaks by position and merges overlapping ones.
func mergeLeaks(leaks []Leak) []Leak {
	if len(leaks) < 2 {
		return leaks
	}
	slices.SortFunc(leaks, func(a, b Leak) int { return a.Start - b.Start })
	out := leaks[:1]
	for _, l := range leaks[1:] {
		last := &out[len(out)-1]
		if l.Start < last.End {
			last.End = max(last.End, l.End)
			continue
		}
		out = append(out, l)
	}
	return out
}
