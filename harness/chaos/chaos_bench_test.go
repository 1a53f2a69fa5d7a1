package chaos_test

import (
	"context"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/chaos"
	"github.com/fallbackgate/fallbackgate/harness/reference"
)

// BenchmarkChaosInProcess is chaos turns through the in-process gateway
// with 64 sessions: turns/s (each turn is 64 concurrent start-ups).
func BenchmarkChaosInProcess(b *testing.B) {
	for b.Loop() {
		sub := reference.Subject("reference", reference.Options{})
		_, err := chaos.Run(context.Background(), chaos.Config{Subject: sub, InProcess: true, Surface: harness.Gateway, Sessions: 64, Turns: 10, Seed: 1})
		sub.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(10*b.N)/b.Elapsed().Seconds(), "turns/s")
	b.ReportMetric(float64(640*b.N)/b.Elapsed().Seconds(), "startups/s")
}
