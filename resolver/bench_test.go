package resolver_test

import (
	"fmt"
	"testing"

	"github.com/fallbackgate/fallbackgate/resolver"
)

// BenchmarkResolve measures a full walk: the primary fails and every entry
// but the last fails, so the start-up lands on the last entry (with an empty
// chain it surfaces the primary's error, R8).
func BenchmarkResolve(b *testing.B) {
	for _, n := range []int{0, 3, 16} {
		b.Run(fmt.Sprintf("chain=%d", n), func(b *testing.B) {
			c := make(resolver.Chain, n)
			for i := range c {
				c[i] = resolver.Entry{Provider: fmt.Sprintf("provider-%d", i), Model: "m"}
			}
			req := resolver.Request{Primary: primary, Chain: c}
			fail := authErr("any", "token_expired", "expired")
			var last resolver.Entry
			if n > 0 {
				last = c[n-1]
			}
			resolve := func(e resolver.Entry) (resolver.Runtime, error) {
				if n > 0 && e == last {
					return resolver.Runtime{Provider: e.Provider, Model: e.Model}, nil
				}
				return resolver.Runtime{}, fail
			}
			b.ReportAllocs()
			for b.Loop() {
				d, err := resolver.Resolve(req, resolve)
				if (n == 0) != (err != nil) || d.Landed != n-1 && n > 0 {
					b.Fatalf("Resolve landed at %d, err %v; want %d", d.Landed, err, n-1)
				}
			}
		})
	}
}
