package fakes

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// credModel is the token lifecycle as a person would describe it.
type credModel struct {
	state   string // none, active, refresh_expired, revoked, vanished, logged_out, rejected
	access  string
	expires time.Time
}

// TestCredentialLifecycle checks the credential against credModel through
// random sequences of issue, use, expire (time passing), refresh, revoke
// and vanish, plus the other faults that break a credential.
func TestCredentialLifecycle(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		const ttl = time.Hour
		now := time.Date(2026, 6, 7, 0, 0, 0, 0, time.UTC)
		minted := map[string]bool{}
		n := 0
		c := credential{ttl: ttl, mint: func(prefix string) string {
			n++
			s := fmt.Sprintf("%s%04d", prefix, n)
			minted[s] = true
			return s
		}}
		m := credModel{state: "none"}
		handedOut := map[string]bool{}
		used := 0

		// fresh checks that key is a just-minted access token never handed
		// out before, and remembers it.
		fresh := func(key, why string) {
			if !minted[key] || key[:4] != accessPrefix {
				t.Fatalf("%s: key %q was not minted as an access token", why, key)
			}
			if handedOut[key] {
				t.Fatalf("%s: key %q handed out twice", why, key)
			}
			handedOut[key] = true
			m.access, m.expires = key, now.Add(ttl)
		}
		wantKind := map[string]Kind{
			"none": Unconfigured, "refresh_expired": Expired, "revoked": Revoked,
			"vanished": Missing, "logged_out": LoggedOut, "rejected": InvalidKey,
		}
		// check compares one use of the credential with the model.
		check := func(key string, k Kind, why string) {
			used++
			if m.state != "active" {
				if k != wantKind[m.state] || key != "" {
					t.Fatalf("%s in state %s: got (%q, %s); want %s", why, m.state, key, k, wantKind[m.state])
				}
				return
			}
			if k != OK {
				t.Fatalf("%s in state active: got %s; want ok", why, k)
			}
			if now.Before(m.expires) {
				if key != m.access {
					t.Fatalf("%s before expiry: got key %q; want %q", why, key, m.access)
				}
				return
			}
			fresh(key, why+" after expiry")
		}

		t.Repeat(map[string]func(*rapid.T){
			"issue": func(t *rapid.T) {
				c.login(now)
				m.state = "active"
				fresh(c.access, "issue")
			},
			"use": func(t *rapid.T) {
				key, k := c.use(now)
				check(key, k, "use")
			},
			"expire": func(t *rapid.T) {
				now = now.Add(time.Duration(rapid.Int64Range(0, int64(2*ttl)).Draw(t, "elapse")))
			},
			"refresh": func(t *rapid.T) {
				ok := c.renew(now)
				if ok != (m.state == "active") {
					t.Fatalf("renew in state %s = %v", m.state, ok)
				}
				if ok {
					fresh(c.access, "refresh")
				}
			},
			"revoke": func(t *rapid.T) {
				m.state = "revoked"
				key, k := c.apply(Revoked, now)
				check(key, k, "revoke")
			},
			"vanish": func(t *rapid.T) {
				m.state = "vanished"
				key, k := c.apply(Missing, now)
				check(key, k, "vanish")
			},
			"break": func(t *rapid.T) {
				k := rapid.SampledFrom([]Kind{Expired, LoggedOut, InvalidKey, Unconfigured}).Draw(t, "fault")
				m.state = map[Kind]string{Expired: "refresh_expired", LoggedOut: "logged_out", InvalidKey: "rejected", Unconfigured: "none"}[k]
				key, got := c.apply(k, now)
				check(key, got, "apply "+k.String())
			},
			"ok": func(t *rapid.T) {
				// The plan's ok: log in again when broken, then use.
				if m.state != "active" {
					m.state = "active"
					m.expires = now // the next use must hand out a new key
					m.access = ""
				}
				key, k := c.apply(OK, now)
				if m.access == "" {
					if k != OK {
						t.Fatalf("ok after re-login: %s", k)
					}
					fresh(key, "ok after re-login")
					return
				}
				check(key, k, "ok")
			},
			"": func(t *rapid.T) {
				for key := range handedOut {
					if !minted[key] {
						t.Fatalf("key %q was never minted", key)
					}
				}
			},
		})
		if used == 0 {
			t.Skip("no use of the credential was generated")
		}
	})
}
