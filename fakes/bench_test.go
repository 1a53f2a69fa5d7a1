package fakes

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"
)

// benchResolve runs b.N resolves through c and reports resolves/s.
func benchResolve(b *testing.B, c *http.Client, url string) {
	body := []byte(`{"model":"grok-4.3","base_url":null}`)
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		resp, err := c.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "resolves/s")
}

func benchFleet(b *testing.B) *Fleet {
	f, err := NewFleet(Config{Providers: []Provider{{Name: "xai-oauth"}}, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f
}

// BenchmarkResolveInProcess is one /resolve round trip through the
// fleet's httpmock transport.
func BenchmarkResolveInProcess(b *testing.B) {
	f := benchFleet(b)
	benchResolve(b, f.Client(), f.BaseURL("xai-oauth")+"/resolve")
}

// BenchmarkResolveLoopback is one /resolve round trip over loopback HTTP
// with keep-alive.
func BenchmarkResolveLoopback(b *testing.B) {
	f := benchFleet(b)
	srv, err := f.ServeLoopback("")
	if err != nil {
		b.Fatal(err)
	}
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer c.CloseIdleConnections()
	benchResolve(b, c, srv.BaseURL("xai-oauth")+"/resolve")
	if r := float64(b.N) / b.Elapsed().Seconds(); b.N > 1000 && r < 5000 {
		b.Errorf("loopback sustained %.0f resolves/s; want at least 5000", r)
	}
}
