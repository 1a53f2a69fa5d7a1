package reference_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// TestSubject: the built-in reference subject has every surface, each an
// in-process reference surface that can be renewed and bound; it claims
// strict unless told otherwise, and the runtime-fallback capability unless
// its runtime does not fall back.
func TestSubject(t *testing.T) {
	tests := []struct {
		name    string
		opts    reference.Options
		profile string
		caps    []string
	}{
		{"contract", reference.Options{}, "strict", []string{harness.CapabilityRuntimeFallback}},
		{"upstream", reference.Options{Profile: resolver.Upstream}, "upstream", []string{harness.CapabilityRuntimeFallback}},
		{"no runtime fallback", reference.Options{NoRuntimeFallback: true}, "strict", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := reference.Subject("ref-"+tt.name, tt.opts)
			defer sub.Close()
			if sub.Name != "ref-"+tt.name || sub.Profile.Name != tt.profile || sub.Repro != "" {
				t.Errorf("Subject = name %q profile %q repro %q; want %q, %q and no repro", sub.Name, sub.Profile.Name, sub.Repro, "ref-"+tt.name, tt.profile)
			}
			if !slices.Equal(sub.Capabilities, tt.caps) {
				t.Errorf("capabilities %v; want %v", sub.Capabilities, tt.caps)
			}
			for _, name := range harness.Surfaces {
				s, ok := sub.Surfaces[name]
				if !ok {
					t.Errorf("no %s surface", name)
					continue
				}
				if s.Name() != name {
					t.Errorf("surface %s is named %q", name, s.Name())
				}
				if _, ok := s.(harness.Renewable); !ok {
					t.Errorf("%s surface is not harness.Renewable", name)
				}
				if _, ok := s.(harness.Bindable); !ok {
					t.Errorf("%s surface is not harness.Bindable", name)
				}
			}
			if len(sub.Surfaces) != len(harness.Surfaces) {
				t.Errorf("%d surfaces; want %d", len(sub.Surfaces), len(harness.Surfaces))
			}
		})
	}
}

// TestSurfaceBind: a bound surface reaches the fakes through the client it
// was given, whatever client the surface was made with.
func TestSurfaceBind(t *testing.T) {
	for _, name := range harness.Surfaces {
		t.Run(name, func(t *testing.T) {
			fleet, client := newRefFleet()
			unbound := reference.NewSurface(name, nil, reference.Options{})
			defer unbound.Close()
			bound := unbound.Bind(client)
			if bound == harness.Surface(unbound) || bound.Name() != name {
				t.Fatalf("Bind returned %v named %q; want a new %s surface", bound, bound.Name(), name)
			}
			defer bound.(*reference.Surface).Close()
			c := refNewCase(fleet, "bind/"+name, refA)
			c.Surface = name
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			o, err := bound.Start(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if o.Failure != "" {
				t.Fatalf("bound %s failed: %s", name, o.Failure)
			}
			if got := fleet.resolves(); !slices.Equal(got, []string{refPrimary}) {
				t.Errorf("the bound %s surface resolved %v through its client; want [%s]", name, got, refPrimary)
			}
		})
	}
}

// TestSurfaceRenew: a gateway that died on a failed start-up (the
// gateway-dies-on-failure hook) fails every later case, and Close reports
// its death; the renewed surface shares no process with it and answers.
// harness.Subject.Renew renews every surface the same way.
func TestSurfaceRenew(t *testing.T) {
	fleet, client := newRefFleet()
	fleet.resolve["xai-oauth"] = []refFault{refAuth("xai_token_expired", true)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	failing := refNewCase(fleet, "renew/fails")
	failing.Surface = harness.Gateway
	healthy := refNewCase(fleet, "renew/lands", refA)
	healthy.Surface = harness.Gateway

	gw := reference.NewSurface(harness.Gateway, client, reference.Options{GatewayDiesOnFailure: true})
	o, err := gw.Start(ctx, failing)
	if err != nil {
		t.Fatal(err)
	}
	if o.Reply != nil || !strings.Contains(o.Failure, "exited before answering") {
		t.Fatalf("failed start-up on a dying gateway: reply %v, failure %q; want no reply and the gateway's death", o.Reply, o.Failure)
	}
	if o, err := gw.Start(ctx, healthy); err != nil || o.Failure == "" || o.Reply != nil {
		t.Errorf("a case after the gateway died = %+v, %v; want a failure without a reply", o, err)
	}
	if err := gw.Close(); err == nil || !strings.Contains(err.Error(), "died") {
		t.Errorf("Close of the dead gateway = %v; want its death", err)
	}

	fresh := gw.Renew()
	defer fresh.(*reference.Surface).Close()
	if fresh == harness.Surface(gw) || fresh.Name() != harness.Gateway {
		t.Fatalf("Renew returned %v; want a new gateway surface", fresh)
	}
	o, err = fresh.Start(ctx, healthy)
	if err != nil {
		t.Fatal(err)
	}
	if o.Failure != "" || o.Reply == nil || !o.Reply.OK || o.Reply.Reply != refAnswerOf(refA) {
		t.Errorf("the renewed gateway answered %+v (failure %q); want ok with %q", o.Reply, o.Failure, refAnswerOf(refA))
	}

	sub := reference.Subject("ref", reference.Options{})
	renewed := sub.Renew()
	for _, name := range harness.Surfaces {
		if renewed.Surfaces[name] == sub.Surfaces[name] {
			t.Errorf("Subject.Renew kept the %s surface; want a fresh one", name)
		}
	}
	if err := sub.Close(); err != nil {
		t.Errorf("closing the subject: %v", err)
	}
	if err := renewed.Close(); err != nil {
		t.Errorf("closing the renewed subject: %v", err)
	}
}
