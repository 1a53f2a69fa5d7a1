package fakes

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"
)

// testSecret is shaped as the fakes mint secrets.
const testSecret = "fgk-0123456789abcdef0123456789abcdef"

func percentAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

func wrap(s string, n int) string {
	var b strings.Builder
	for i := 0; i < len(s); i += n {
		b.WriteString(s[i:min(i+n, len(s))])
		b.WriteString("\n")
	}
	return b.String()
}

func TestFindSecretsEveryEncoding(t *testing.T) {
	jsonSplit, _ := json.Marshal(testSecret[:20] + "\n" + testSecret[20:])
	unicode := ""
	for _, c := range testSecret {
		unicode += fmt.Sprintf(`\u%04x`, c)
	}
	for _, tc := range []struct {
		name, text, enc string
	}{
		{"plain", "key: " + testSecret + " done", EncodingPlain},
		{"refresh token", "fgr-" + testSecret[4:], EncodingPlain},
		{"upper-case", "KEY=" + strings.ToUpper(testSecret), EncodingUpper},
		{"split across lines", "key: " + testSecret[:10] + "\n" + testSecret[10:], EncodingSplit},
		{"split over three lines with indent", testSecret[:5] + "\n    " + testSecret[5:17] + "\r\n\t" + testSecret[17:], EncodingSplit},
		{"split inside a JSON string", string(jsonSplit), EncodingSplit},
		{"base64", "k=" + base64.StdEncoding.EncodeToString([]byte(testSecret)), EncodingBase64},
		{"base64 inside more", base64.StdEncoding.EncodeToString([]byte("Authorization: Bearer " + testSecret + "\n")), EncodingBase64},
		{"base64 url, no padding", base64.RawURLEncoding.EncodeToString([]byte("x" + testSecret)), EncodingBase64},
		{"base64 wrapped at 20 columns", wrap(base64.StdEncoding.EncodeToString([]byte("key="+testSecret)), 20), EncodingBase64},
		{"base64 of the upper-cased key", base64.StdEncoding.EncodeToString([]byte(strings.ToUpper(testSecret))), EncodingBase64},
		{"hex", "hex " + hex.EncodeToString([]byte(testSecret)), EncodingHex},
		{"upper-case hex", strings.ToUpper(hex.EncodeToString([]byte("k=" + testSecret))), EncodingHex},
		{"hex glued to a word", "key=" + hex.EncodeToString([]byte(testSecret)), EncodingHex},
		{"hex dump with spaces", strings.Join(strings.Split(hex.EncodeToString([]byte(testSecret)), ""), ""), EncodingHex},
		{"URL-encoded, every byte", "https://x/?k=" + percentAll(testSecret), EncodingURL},
		{"URL query escaping", url.QueryEscape("k=" + testSecret), EncodingPlain},
		{"JSON unicode escapes", `{"k": "` + unicode + `"}`, EncodingEscaped},
		{"HTML entities", strings.ReplaceAll(html.EscapeString(testSecret), "f", "&#102;"), EncodingEscaped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := FindSecrets(tc.text)
			if len(leaks) != 1 {
				t.Fatalf("FindSecrets(%q) = %v; want one leak", tc.text, leaks)
			}
			if leaks[0].Encoding != tc.enc {
				t.Errorf("FindSecrets(%q) encoding %q; want %q", tc.text, leaks[0].Encoding, tc.enc)
			}
			red := Redact(tc.text)
			if HasSecret(red) || !strings.Contains(red, Redacted) {
				t.Errorf("Redact(%q) = %q; want the secret replaced by %s", tc.text, red, Redacted)
			}
		})
	}
}

func TestFindSecretsNoFalsePositive(t *testing.T) {
	for _, text := range []string{
		"xai_auth_missing_access_token: the xAI access token is gone; log in again",
		"sha256 " + strings.Repeat("0123456789abcdef", 4),
		"uuid 123e4567-e89b-12d3-a456-426614174000",
		"fgk-0123 too short",
		base64.StdEncoding.EncodeToString([]byte(strings.Repeat("lorem ipsum dolor sit amet ", 20))),
		hex.EncodeToString([]byte(strings.Repeat("lorem ipsum dolor sit amet ", 20))),
		"#1 +61.204ms openai-codex resolve model=gpt-5.5 429 rate_limit codex_rate_limited",
	} {
		if leaks := FindSecrets(text); len(leaks) != 0 {
			t.Errorf("FindSecrets(%q) = %v; want none", text, leaks)
		}
	}
}

// TestRedactKeepsDocumentsWellFormed redacts a JSON document that carries
// the secret in several encodings: it stays valid JSON, and nothing is
// found in it afterwards.
func TestRedactKeepsDocumentsWellFormed(t *testing.T) {
	doc, err := json.MarshalIndent(map[string]string{
		"plain":  testSecret,
		"split":  testSecret[:9] + "\n" + testSecret[9:],
		"b64":    base64.StdEncoding.EncodeToString([]byte(testSecret)),
		"hex":    hex.EncodeToString([]byte(testSecret)),
		"quoted": `"` + testSecret + `"`,
		"bearer": "Authorization: Bearer abcdefghijklmnop",
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	red := RedactBytes(doc)
	if !json.Valid(red) {
		t.Fatalf("redacted document is not valid JSON:\n%s", red)
	}
	if leaks := FindSecrets(string(red)); len(leaks) != 0 {
		t.Errorf("after Redact, FindSecrets = %v in\n%s", leaks, red)
	}
	if strings.Contains(string(red), "abcdefghijklmnop") {
		t.Errorf("bearer token not redacted:\n%s", red)
	}
	if n := strings.Count(string(red), Redacted); n != 6 {
		t.Errorf("%d redactions; want 6:\n%s", n, red)
	}
}

func TestFindSecretsFindsEveryMintedSecret(t *testing.T) {
	f, err := NewFleet(Config{Providers: []Provider{{Name: "xai-oauth"}}, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, s := range f.Secrets() {
		if !SecretPattern.MatchString(s) || !HasSecret("x"+s+"y") {
			t.Errorf("minted secret %q is not found", s)
		}
	}
}

func BenchmarkRedact(b *testing.B) {
	text := strings.Repeat("a log line without any secret in it, 2026-05-04T03:02:01Z level=info msg=\"resolve ok\"\n", 12000) // ~1 MiB
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Redact(text)
	}
}

// TestFindSecretsAcrossChunks: a key encoded in a run longer than a decode
// chunk is found wherever it sits, also across a chunk's edge.
func TestFindSecretsAcrossChunks(t *testing.T) {
	enc := base64.StdEncoding.EncodeToString([]byte(testSecret))
	for _, at := range []int{0, decodeChunk - 20, decodeChunk - 47, decodeChunk + 4, 3*decodeChunk - 8} {
		text := strings.Repeat("A", at) + enc + strings.Repeat("A", 100)
		if leaks := FindSecrets(text); len(leaks) != 1 || leaks[0].Encoding != EncodingBase64 {
			t.Errorf("base64 key at %d in a run of %d: %v", at, len(text), leaks)
		}
		h := strings.Repeat("0", at) + hex.EncodeToString([]byte(testSecret)) + strings.Repeat("0", 100)
		if leaks := FindSecrets(h); len(leaks) != 1 || leaks[0].Encoding != EncodingHex {
			t.Errorf("hex key at %d in a run of %d: %v", at, len(h), leaks)
		}
	}
}
