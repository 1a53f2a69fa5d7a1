package fakes

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// ErrNotLoopback is wrapped by the error for an address that is not a
// loopback address: the fakes never listen beyond the machine.
var ErrNotLoopback = errors.New("not a loopback address")

// Server is a fleet served on a loopback address. Its handlers and ledger
// are the fleet's.
type Server struct {
	url    string
	fleet  *Fleet
	srv    *http.Server
	served chan struct{} // closed when srv.Serve returns
	conns  sync.WaitGroup
	once   sync.Once
	err    error
}

// ServeLoopback serves the fleet over HTTP on addr, which must be a
// loopback address such as "127.0.0.1:0" (the empty string means that:
// 127.0.0.1 on a free port); "localhost" means 127.0.0.1. Any other
// address is refused with an error wrapping ErrNotLoopback. The fleet's
// Close also closes the server.
func (f *Fleet) ServeLoopback(addr string) (*Server, error) {
	bind, err := loopback(addr)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, ErrClosed
	}
	ln, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, fmt.Errorf("fakes: %w", err)
	}
	s := &Server{url: "http://" + ln.Addr().String(), fleet: f, served: make(chan struct{})}
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(f.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
		ConnState: func(_ net.Conn, st http.ConnState) {
			switch st {
			case http.StateNew:
				s.conns.Add(1)
			case http.StateHijacked, http.StateClosed:
				s.conns.Done()
			}
		},
	}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln)
	}()
	f.servers = append(f.servers, s)
	return s, nil
}

// loopback checks addr and returns the address to bind.
func loopback(addr string) (string, error) {
	if addr == "" {
		return "127.0.0.1:0", nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("fakes: address %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("fakes: refusing to bind %q: %w", addr, ErrNotLoopback)
	}
	return net.JoinHostPort(host, port), nil
}

// URL returns the server's root URL, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string {
	return s.url
}

// BaseURL returns provider's base URL on this server,
// "http://127.0.0.1:PORT/p/<provider>".
func (s *Server) BaseURL(provider string) string {
	return s.url + "/p/" + provider
}

// BaseURLs returns every provider's base URL on this server by name.
func (s *Server) BaseURLs() map[string]string {
	m := make(map[string]string, len(s.fleet.names))
	for _, n := range s.fleet.names {
		m[n] = s.BaseURL(n)
	}
	return m
}

// Close stops the server, closes its connections (ending hanging requests)
// and waits until every connection's goroutine is done. It is idempotent.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.err = s.srv.Close()
		<-s.served
		s.conns.Wait()
	})
	return s.err
}

// serveHTTP is the loopback handler for every request.
func (f *Fleet) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if !f.enter() {
		panic(http.ErrAbortHandler)
	}
	defer f.inflight.Done()
	a, err := f.handle(r)
	if err != nil {
		// The request reached no fake: answer 404 with the reason, which
		// Fleet.Err also reports.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		b, _ := json.Marshal(map[string]map[string]string{"error": {"type": "config", "provider": "", "message": err.Error()}})
		_, _ = w.Write(b)
		return
	}
	switch a.kind {
	case Reset:
		reset(w)
		return
	case Hang:
		select {
		case <-r.Context().Done():
		case <-f.done:
		}
		panic(http.ErrAbortHandler)
	}
	for k, v := range a.header() {
		w.Header()[k] = v
	}
	body := a.body()
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(a.status)
	_, _ = w.Write(body)
}

// reset drops the connection with a TCP RST.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
