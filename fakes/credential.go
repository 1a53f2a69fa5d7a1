package fakes

import (
	"regexp"
	"time"
)

// The prefixes of the secrets a credential creates: an API key (access
// token) and a refresh token, each followed by 32 lower-case hex digits.
const (
	accessPrefix  = "fgk-"
	refreshPrefix = "fgr-"
)

// SecretPattern matches every secret a fleet mints, and nothing a fake
// says otherwise: an access prefix ("fgk-") or a refresh prefix ("fgr-")
// and 32 lower-case hex digits. It is the one description of the fakes'
// secrets: the harness finds leaks with it (R16) and redacts with it.
var SecretPattern = regexp.MustCompile(`fg[kr]-[0-9a-f]{32}`)

// credState is where a provider's credential is in its life.
type credState int

const (
	// credNone: never configured.
	credNone credState = iota
	// credActive: an access token (possibly expired) and a valid refresh
	// token.
	credActive
	// credRefreshExpired: the access token expired and the refresh token
	// can no longer renew it.
	credRefreshExpired
	// credRevoked: the refresh token was revoked (invalid_grant).
	credRevoked
	// credVanished: the stored access token is gone.
	credVanished
	// credLoggedOut: the account was logged out; no tokens.
	credLoggedOut
	// credKeyRejected: the provider rejects the stored key.
	credKeyRejected
)

// credential is one provider's OAuth credential: an access token that
// expires after ttl and is renewed with the refresh token. Every token it
// creates comes from mint, so the fleet can record it as a secret. It is
// not safe for concurrent use; the fleet guards it with the provider's lock.
type credential struct {
	state   credState
	access  string
	expires time.Time
	refresh string
	ttl     time.Duration
	mint    func(prefix string) string
}

// login issues a fresh access and refresh token pair at now.
func (c *credential) login(now time.Time) {
	c.state = credActive
	c.access = c.mint(accessPrefix)
	c.refresh = c.mint(refreshPrefix)
	c.expires = now.Add(c.ttl)
}

// renew trades the refresh token for a new access token (rotating the
// refresh token too) and reports whether it could.
func (c *credential) renew(now time.Time) bool {
	if c.state != credActive {
		return false
	}
	c.access = c.mint(accessPrefix)
	c.refresh = c.mint(refreshPrefix)
	c.expires = now.Add(c.ttl)
	return true
}

// use returns the access token valid at now, renewing it first when it has
// expired, or the kind of failure the credential's state is.
func (c *credential) use(now time.Time) (string, Kind) {
	switch c.state {
	case credNone:
		return "", Unconfigured
	case credRefreshExpired:
		return "", Expired
	case credRevoked:
		return "", Revoked
	case credVanished:
		return "", Missing
	case credLoggedOut:
		return "", LoggedOut
	case credKeyRejected:
		return "", InvalidKey
	}
	if !now.Before(c.expires) {
		c.renew(now)
	}
	return c.access, OK
}

// apply moves the credential into the state a fault of kind k describes,
// then uses it: OK logs in again when the credential is not usable; every
// credential failure breaks it the way its name says. Other kinds leave
// the credential alone and report OK. Only /resolve applies faults to the
// credential.
func (c *credential) apply(k Kind, now time.Time) (string, Kind) {
	switch k {
	case OK:
		if c.state != credActive {
			c.login(now)
		}
	case Expired:
		if c.state == credActive || c.state == credRefreshExpired {
			c.expires = now
		}
		c.state = credRefreshExpired
		c.refresh = ""
	case Revoked:
		c.state = credRevoked
	case Missing:
		c.state = credVanished
		c.access = ""
	case LoggedOut:
		c.state = credLoggedOut
		c.access, c.refresh = "", ""
	case InvalidKey:
		c.state = credKeyRejected
	case Unconfigured:
		c.state = credNone
		c.access, c.refresh = "", ""
	default:
		return "", OK
	}
	return c.use(now)
}
