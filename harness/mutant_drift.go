package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// R1 says the chain is read once per start-up, because the config may change
// in between. Reading it twice is invisible while the config holds still, so
// a drift scenario makes it change: when the primary's first /resolve
// arrives, before the fake answers, the harness rewrites the subject's
// home/config.yaml with the scenario's drift config (an operator editing the
// file, a hot reload). A subject that read the chain once hands the runtime
// the tail of the chain it walked; one that reads it again hands over the
// tail of the rewritten chain, and R1 names the difference.
//
// The rewrite reaches the case's own home folder (the in-process reference
// reads Case.Home) and every */home/config.yaml under the scratch root of
// an exec subject, whose case folders the exec adapter creates there.

// DriftScenario is a scenario whose config file changes during a start-up.
type DriftScenario struct {
	Scenario
	// Drift is the configuration written over home/config.yaml when the
	// primary's first resolve arrives.
	Drift CaseConfig
}

// ParseExtraScenario reads a scenario file that may carry a top-level
// "drift" key (a config, in the shape of the scenario's "config"). Without
// one, drift is nil and the scenario runs as any other.
func ParseExtraScenario(name string, data []byte) (sc Scenario, drift *CaseConfig, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return sc, nil, fmt.Errorf("%s: %v", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		m := doc.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value != "drift" {
				continue
			}
			drift = new(CaseConfig)
			if err := m.Content[i+1].Decode(drift); err != nil {
				return sc, nil, fmt.Errorf("%s: drift: %v", name, err)
			}
			if _, err := drift.Resolved(); err != nil {
				return sc, nil, fmt.Errorf("%s: drift: %v", name, err)
			}
			m.Content = slices.Delete(m.Content, i, i+2)
			if data, err = yaml.Marshal(&doc); err != nil {
				return sc, nil, fmt.Errorf("%s: %v", name, err)
			}
			break
		}
	}
	sc, err = ParseScenario(name, data)
	return sc, drift, err
}

// DriftStage runs every drift scenario on every surface of the subject and
// returns the first failing case. scratch is the scratch root of an exec
// subject (see ScratchRoot); "" for an in-process subject. Cases run one at
// a time, so that the one case folder under scratch is the case in flight.
func DriftStage(name string, scs []DriftScenario, scratch string) MutationStage {
	return MutationStage{Name: name, Kill: func(ctx context.Context, sub *Subject, seed int64) (*Kill, error) {
		for _, ds := range scs {
			var results []Result
			for _, surf := range Surfaces {
				res, err := RunDrift(ctx, sub, ds, surf, seed, scratch)
				if err != nil {
					return nil, err
				}
				results = append(results, res)
			}
			if k := firstKill(results); k != nil {
				return k, nil
			}
		}
		return nil, nil
	}}
}

// RunDrift runs drift scenario ds on one surface of sub and judges it: the
// checks of every case, and R1 (the remaining chain must come from the chain
// read at start-up, not from the config as rewritten). scratch is as for
// DriftStage.
func RunDrift(ctx context.Context, sub *Subject, ds DriftScenario, surface string, seed int64, scratch string) (Result, error) {
	res := Result{Scenario: ds.ID, ScenarioName: ds.Name, Surface: surface, Subject: sub.Name,
		Profile: sub.Profile.Name, Seed: seed, Repro: fmt.Sprintf("fallbackgate mutate (scenario %s, surface %s, seed %d)", ds.ID, surface, seed)}
	surf, ok := sub.Surfaces[surface]
	if !ok {
		res.Verdict = VerdictNotImplemented
		return res, nil
	}
	want, err := Predict(ctx, ds.Scenario, sub.Profile, seed)
	if err != nil {
		return res, err
	}
	res.Expected = expectedSummary(want)
	fleet, err := ds.Fleet(seed, nil)
	if err != nil {
		return res, err
	}
	defer fleet.Close()
	srv, err := fleet.ServeLoopback("")
	if err != nil {
		return res, fmt.Errorf("fake providers could not start: %w", err)
	}

	home, err := os.MkdirTemp("", "fallbackgate-drift-*")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(home)
	cfgFile := filepath.Join(home, "config.yaml")
	if err := writeConfig(cfgFile, ds.Config); err != nil {
		return res, err
	}
	primary := want.Request.Primary.Provider
	var (
		mu      sync.Mutex
		drifted bool
		dErr    error
	)
	drift := func() {
		mu.Lock()
		defer mu.Unlock()
		if !drifted {
			files := []string{cfgFile}
			if scratch != "" {
				more, _ := filepath.Glob(filepath.Join(scratch, "*", "home", "config.yaml"))
				files = append(files, more...)
			}
			for _, f := range files {
				if err := writeConfig(f, ds.Drift); err != nil {
					dErr = errors.Join(dErr, err)
				}
			}
			drifted = true
		}
	}
	urls, stop, err := driftProxy(srv.URL(), srv.BaseURLs(), "/p/"+primary+"/resolve", drift)
	if err != nil {
		return res, err
	}
	defer stop()

	c := ds.Case(surface, urls)
	c.Home = home
	start := time.Now()
	out, err := surf.Start(ctx, c)
	res.Duration = time.Since(start)
	if err != nil {
		return res, err
	}
	stop()
	mu.Lock()
	defer mu.Unlock()
	if dErr != nil {
		return res, fmt.Errorf("%s: rewriting config.yaml: %w", ds.ID, dErr)
	}
	judge(&res, want, out, fleet)
	if drifted {
		if r1 := chainReadOnce(want, ds.Drift, out); len(r1) > 0 {
			res.Violations = append(r1, res.Violations...)
			res.Verdict = VerdictFail
		}
	}
	return res, nil
}

// chainReadOnce checks R1 on a start-up whose config was rewritten while it
// ran: a remaining chain that is not the tail of the chain walked but is
// the tail of the rewritten chain was read a second time.
func chainReadOnce(want Expected, drift CaseConfig, o Outcome) Violations {
	if want.Err != nil {
		return nil
	}
	started := eventsNamed(o.Events, EventStarted)
	if len(started) != 1 {
		return nil
	}
	got, wantRem := chainStrings(started[0].Remaining), want.Decision.Remaining.Strings()
	if slices.Equal(got, wantRem) {
		return nil
	}
	cfg, err := drift.Resolved()
	if err != nil {
		return nil
	}
	tail := cfg.Chain
	if l := want.Decision.Landed; l >= 0 {
		tail = tail[min(l+1, len(tail)):]
	}
	if !slices.Equal(got, tail.Strings()) {
		return nil
	}
	return Violations{{Rule: "R1", Message: fmt.Sprintf(
		"remaining chain [%s] comes from config.yaml as rewritten during the start-up; the chain read at start-up gives [%s] (the chain was read twice)",
		strings.Join(got, ", "), strings.Join(wantRem, ", "))}}
}

func writeConfig(path string, cfg CaseConfig) error {
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// driftProxy serves a loopback reverse proxy in front of the fakes at
// target and returns base URLs through it for every provider in urls. The
// first request to trigger runs drift before it is passed on. stop shuts
// the proxy down; it may be called more than once.
func driftProxy(target string, urls map[string]string, trigger string, drift func()) (map[string]string, func(), error) {
	to, err := url.Parse(target)
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("drift proxy: %w", err)
	}
	rp := httputil.NewSingleHostReverseProxy(to)
	rp.ErrorLog = nil
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == trigger {
			drift()
		}
		rp.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	out := map[string]string{}
	for p, u := range urls {
		out[p] = strings.Replace(u, to.Host, ln.Addr().String(), 1)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(ctx)
		})
	}
	return out, stop, nil
}
