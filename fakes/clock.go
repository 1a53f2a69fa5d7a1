package fakes

import (
	"sync"
	"time"
)

// Clock tells the fleet what time it is. Token expiry, "until" steps and the
// ledger's offsets all read it; nothing in the package waits on it.
type Clock interface {
	Now() time.Time
}

// systemClock is the real clock; inside a testing/synctest bubble it is the
// bubble's virtual clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// ManualClock is a Clock that moves only when told to, for tests and specs
// that need time without waiting. It is safe for concurrent use.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock that reads t until it is advanced.
func NewManualClock(t time.Time) *ManualClock {
	return &ManualClock{now: t}
}

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and returns the new time.
func (c *ManualClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}
