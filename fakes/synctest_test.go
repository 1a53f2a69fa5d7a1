package fakes

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"testing/synctest"
	"time"
)

// wait lets virtual time pass in a synctest bubble: the bubble's clock
// jumps as soon as every goroutine is blocked, so nothing really waits.
func wait(d time.Duration) {
	<-time.After(d)
}

// TestTokenExpiry checks, in virtual time, that an access token lives
// exactly TokenTTL, is renewed on the next resolve, and that a completion
// with the old key fails from that instant.
func TestTokenExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, err := NewFleet(Config{
			Providers: []Provider{{Name: "xai-oauth", Plan: MustParse("ok until 90m -> expired")}},
			Seed:      3,
			TokenTTL:  time.Hour,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		c, base := f.Client(), f.BaseURL("xai-oauth")
		ctx := context.Background()
		resolve := func() (string, reply) {
			t.Helper()
			r, err := post(ctx, c, base+"/resolve", resolveBody(nil), "")
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(field(r.body, "runtime", "api_key")), r
		}
		complete := func(key string) int {
			t.Helper()
			r, err := post(ctx, c, base+"/v1/chat/completions", chatBody("grok-4.3"), key)
			if err != nil {
				t.Fatal(err)
			}
			return r.status
		}

		a, _ := resolve() // t = 0
		wait(time.Hour - time.Nanosecond)
		if b, _ := resolve(); b != a {
			t.Errorf("key changed before expiry")
		}
		if s := complete(a); s != 200 {
			t.Errorf("completion 1ns before expiry: %d", s)
		}
		wait(time.Nanosecond) // t = 1h exactly
		if s := complete(a); s != 401 {
			t.Errorf("completion with an expired key at 1h: %d; want 401", s)
		}
		b, _ := resolve()
		if b == a || b == "<nil>" {
			t.Errorf("resolve at 1h did not renew the key")
		}
		if s := complete(b); s != 200 {
			t.Errorf("completion with the renewed key: %d", s)
		}
		wait(30*time.Minute - time.Nanosecond) // 1ns before the plan's 90m
		if k, _ := resolve(); k != b {
			t.Errorf("key changed within its lifetime")
		}
		wait(time.Nanosecond)
		_, r := resolve()
		if r.status != 401 || field(r.body, "error", "code") != "xai_auth_token_expired" {
			t.Errorf("resolve at 90m: %s; want xai_auth_token_expired", r.raw)
		}
		var ats []time.Duration
		for _, c := range f.Ledger().Calls() {
			ats = append(ats, c.At)
		}
		want := []time.Duration{0, time.Hour - 1, time.Hour - 1, time.Hour, time.Hour, time.Hour,
			90*time.Minute - 1, 90 * time.Minute}
		if fmt.Sprint(ats) != fmt.Sprint(want) {
			t.Errorf("ledger offsets %v; want %v", ats, want)
		}
	})
}

// TestRetryAfter checks, in virtual time, a client that honours
// Retry-After: it waits exactly the header's seconds and then resolves.
func TestRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, err := NewFleet(Config{Providers: []Provider{{Name: "openai-codex", Plan: MustParse("429(retry_after=30s) until 30s -> ok")}}})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		url := f.BaseURL("openai-codex") + "/resolve"
		start := time.Now()
		var attempts int
		for {
			attempts++
			r, err := post(context.Background(), f.Client(), url, resolveBody(ptr("gpt-5.5")), "")
			if err != nil {
				t.Fatal(err)
			}
			if r.status == 200 {
				break
			}
			if r.status != 429 || field(r.body, "error", "retry_after") != float64(30) || field(r.body, "error", "relogin_required") != false {
				t.Fatalf("attempt %d: %d %s", attempts, r.status, r.raw)
			}
			secs, err := strconv.Atoi(r.header.Get("Retry-After"))
			if err != nil {
				t.Fatalf("Retry-After %q: %v", r.header.Get("Retry-After"), err)
			}
			wait(time.Duration(secs)*time.Second - time.Nanosecond)
			// 1ns early is still rate-limited.
			if r, _ := post(context.Background(), f.Client(), url, resolveBody(ptr("gpt-5.5")), ""); r.status != 429 {
				t.Fatalf("1ns before Retry-After: %d", r.status)
			}
			wait(time.Nanosecond)
		}
		if got := time.Since(start); got != 30*time.Second || attempts != 2 {
			t.Errorf("resolved after %v in %d attempts; want 30s in 2", got, attempts)
		}
		calls := f.Ledger().Calls()
		if len(calls) != 3 || calls[0].Served != ServedRateLimit || calls[0].Code != "codex_rate_limited" ||
			calls[1].At != 30*time.Second-1 || calls[2].At != 30*time.Second || calls[2].Served != ServedOK {
			t.Errorf("ledger %v", calls)
		}
	})
}

// TestHangEnds checks, in a synctest bubble (which fails if any goroutine
// is left behind), that a hanging request ends when its context expires
// and when the fleet closes.
func TestHangEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, err := NewFleet(Config{Providers: []Provider{{Name: "anthropic", Plan: MustParse("hang")}}})
		if err != nil {
			t.Fatal(err)
		}
		url := f.BaseURL("anthropic") + "/resolve"

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		start := time.Now()
		_, err = post(ctx, f.Client(), url, resolveBody(nil), "")
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 10*time.Second {
			t.Errorf("hang with a 10s deadline: %v after %v", err, time.Since(start))
		}

		done := make(chan error)
		for range 3 {
			go func() {
				_, err := post(context.Background(), f.Client(), url, resolveBody(nil), "")
				done <- err
			}()
		}
		synctest.Wait() // all three are hanging
		if n := f.Ledger().Len(); n != 4 {
			t.Fatalf("ledger has %d calls; want 4", n)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := <-done; !errors.Is(err, ErrClosed) {
				t.Errorf("hanging request after Close: %v; want ErrClosed", err)
			}
		}
		if _, err := post(context.Background(), f.Client(), url, resolveBody(nil), ""); !errors.Is(err, ErrClosed) {
			t.Errorf("request after Close: %v; want ErrClosed", err)
		}
		for _, c := range f.Ledger().Calls() {
			if c.Served != ServedHang || c.Status != 0 {
				t.Errorf("ledger %v", c)
			}
		}
	})
}
