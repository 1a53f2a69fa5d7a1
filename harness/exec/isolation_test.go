package exec

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"slices"
	"testing"
)

// TestRecorderCountsProxiedRequestsOnly: a request in proxy form (an
// absolute URL, or CONNECT) is recorded and refused; a request in origin
// form, addressed to the recorder's port itself, is refused and not
// recorded: the port may have belonged a moment before to a fleet another
// case's subject is still calling.
func TestRecorderCountsProxiedRequestsOnly(t *testing.T) {
	r, err := startRecorder()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	addr := r.ln.Addr().String()
	send := func(requestLine, host string) int {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "%s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", requestLine, host)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct{ line, host string }{
		{"POST /v1/resolve", addr},                  // a stray call to a closed fleet's port
		{"GET http://1.1.1.1/telemetry", "1.1.1.1"}, // through the proxy
		{"CONNECT example.com:443", "example.com:443"},
	} {
		if code := send(tc.line, tc.host); code != http.StatusForbidden {
			t.Errorf("%s: status %d; want 403", tc.line, code)
		}
	}
	if got, want := r.take(), []string{"1.1.1.1", "example.com:443"}; !slices.Equal(got, want) {
		t.Errorf("recorded %q; want the proxied hosts only, %q", got, want)
	}
}
