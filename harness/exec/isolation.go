package exec

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// This file is the isolation of PROTOCOL.md: a subject must reach nothing
// but the fakes. Every subject process gets the proxy variables pointing at
// a recorder on loopback, and NO_PROXY for the fakes' 127.0.0.1; a request
// that arrives at the recorder is answered 403, never forwarded, and fails
// the case naming the host the subject tried to reach. What it does not
// catch: a subject that ignores the proxy variables and connects directly
// (that needs a network namespace, which the harness does not make).

// noProxy is NO_PROXY: the fakes are on loopback.
const noProxy = "127.0.0.1,localhost"

// recorder is a proxy on 127.0.0.1 that refuses and records every request.
type recorder struct {
	ln  net.Listener
	srv *http.Server

	mu    sync.Mutex
	hosts []string
}

// startRecorder starts a recorder on a free loopback port. The caller must
// Close it.
func startRecorder() (*recorder, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("isolation recorder: %w", err)
	}
	r := &recorder{ln: ln}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// ServeHTTP records the host of a proxied request and refuses it. Only a
// request in proxy form counts: CONNECT host:port, or an absolute URL. A
// request in origin form (a bare path) was not sent through the proxy: it
// was addressed to this port itself, which the system may have handed out
// a moment before to a fleet that has since closed (another case's
// subject, still calling its fakes, would then be blamed on this one). It
// is refused and not recorded.
func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Connection", "close")
	host := req.URL.Host // set for CONNECT and for an absolute URL alone
	if host == "" {
		http.Error(w, "fallbackgate: isolation recorder: not a proxied request", http.StatusForbidden)
		return
	}
	r.mu.Lock()
	if !slices.Contains(r.hosts, host) {
		r.hosts = append(r.hosts, host)
	}
	r.mu.Unlock()
	http.Error(w, "fallbackgate: isolation: a subject may reach only the fake providers on 127.0.0.1; "+host+" refused", http.StatusForbidden)
}

// env returns the proxy variables pointing at the recorder, in upper and
// lower case, and NO_PROXY.
func (r *recorder) env() []string {
	u := "http://" + r.ln.Addr().String()
	var env []string
	for _, k := range proxyVars {
		v := u
		if strings.EqualFold(k, "NO_PROXY") {
			v = noProxy
		}
		env = append(env, k+"="+v)
	}
	return env
}

// proxyVars are the variables the harness sets for isolation.
var proxyVars = []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"}

// take returns the hosts recorded since the last take.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.hosts
	r.hosts = nil
	return h
}

// Close stops the recorder.
func (r *recorder) Close() error {
	err := r.srv.Close()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// isolationFailure is the failure of a case whose subject tried to reach
// hosts; "" when there are none.
func isolationFailure(hosts []string) string {
	if len(hosts) == 0 {
		return ""
	}
	return fmt.Sprintf("protocol violation: isolation: tried to reach %s through the proxy the harness set (refused; a subject may reach only the fakes)", strings.Join(hosts, ", "))
}
