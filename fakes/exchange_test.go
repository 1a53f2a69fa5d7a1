package fakes

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestExchangeIsDo checks that Exchange serves every fault kind as Do does,
// on both endpoints: the same status, the same answer as values as Do's
// body decodes to, the same errors, and the same ledger and secrets.
func TestExchangeIsDo(t *testing.T) {
	errCut := errors.New("cut")
	for _, k := range Kinds() {
		fault := Fault{Kind: k}
		if k == RateLimited {
			fault.RetryAfter = 45 * time.Second
		}
		t.Run(fault.String(), func(t *testing.T) {
			plan := Plan{Resolve: []Step{{Fault: fault, Count: 1}}, Completions: []Step{{Fault: fault, Count: 1}}}
			if k != OK {
				// A completion needs a key: resolve once healthy first.
				plan.Resolve = []Step{{Fault: Fault{}, Count: 1}, {Fault: fault, Count: 1}}
			}
			type step struct {
				ep          Endpoint
				model, bear string
				useFirstKey bool
			}
			steps := []step{{ep: EndpointResolve, model: "m1"}, {ep: EndpointResolve}, {ep: EndpointCompletions, model: "m1", useFirstKey: true}}
			run := func(viaExchange bool) (answers []string, calls []Call, secrets []string) {
				f, err := NewFleet(Config{Providers: []Provider{{Name: "anthropic", Plan: plan}}, Seed: 7, Clock: NewManualClock(time.Unix(0, 0))})
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				key := ""
				for _, s := range steps {
					var model *string
					if s.model != "" {
						model = &s.model
					}
					bearer := ""
					if s.useFirstKey {
						bearer = key
					}
					var a Answer
					if viaExchange {
						a, err = f.Exchange(context.Background(), Exchange{Provider: "anthropic", Endpoint: s.ep, Model: model, Bearer: bearer, CutHang: errCut})
					} else {
						path := "/resolve"
						if s.ep == EndpointCompletions {
							path = "/v1/chat/completions"
						}
						u, _ := url.Parse(f.BaseURL("anthropic") + path)
						body, _ := json.Marshal(map[string]*string{"model": model})
						authz := ""
						if bearer != "" {
							authz = "Bearer " + bearer
						}
						a, err = f.Do(context.Background(), Request{URL: u, Authorization: authz, Body: body, CutHang: errCut})
						if err == nil && a.Body != nil {
							// Read the body back as values, to compare with Exchange's.
							var v struct {
								Runtime *Runtime `json:"runtime"`
							}
							if json.Unmarshal(a.Body, &v) == nil && v.Runtime != nil && a.Runtime == nil {
								t.Errorf("Do: body has a runtime, Answer.Runtime is nil")
							}
						}
					}
					if err != nil {
						answers = append(answers, "error: "+err.Error())
						continue
					}
					if a.Runtime != nil && key == "" {
						key = a.Runtime.APIKey
					}
					b, _ := json.Marshal(struct {
						Status  int
						Runtime *Runtime
						Text    *string
						Error   *ErrorBody
						Retry   time.Duration
					}{a.Status, a.Runtime, a.Text, a.Error, a.RetryAfter})
					answers = append(answers, string(b))
				}
				return answers, f.Ledger().Calls(), f.Secrets()
			}
			doA, doCalls, doSecrets := run(false)
			exA, exCalls, exSecrets := run(true)
			if diff := cmp.Diff(doA, exA); diff != "" {
				t.Errorf("answers (-Do +Exchange):\n%s", diff)
			}
			if diff := cmp.Diff(doCalls, exCalls); diff != "" {
				t.Errorf("ledger (-Do +Exchange):\n%s", diff)
			}
			if diff := cmp.Diff(doSecrets, exSecrets); diff != "" {
				t.Errorf("secrets (-Do +Exchange):\n%s", diff)
			}
		})
	}
}

// TestExchangeUnknownProvider: an exchange no fake serves fails with
// ErrNoFake and is reported by Err, as Do's is.
func TestExchangeUnknownProvider(t *testing.T) {
	f, err := NewFleet(Config{Providers: []Provider{{Name: "anthropic"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Exchange(context.Background(), Exchange{Provider: "nope", Endpoint: EndpointResolve}); !errors.Is(err, ErrNoFake) {
		t.Errorf("unknown provider: %v; want ErrNoFake", err)
	}
	if f.Err() == nil {
		t.Error("Err() is nil after a stray exchange")
	}
}
