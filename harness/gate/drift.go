package gate

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

	"github.com/fallbackgate/fallbackgate/harness"
)

// R1 says the chain is read once per start-up, because the config may
// change in between. Reading it twice is invisible while the config holds
// still, so the Drift hook makes it change: when the primary's first
// /resolve arrives, before the fake answers, it rewrites the subject's
// home/config.yaml with the drift config (an operator editing the file, a
// hot reload). A subject that read the chain once hands the runtime the
// tail of the chain it walked; one that reads it again hands over the tail
// of the rewritten chain, and R1 names the difference.
//
// The rewrite reaches the case's own home folder (the in-process reference
// reads Case.Home) and every */home/config.yaml under the scratch root of
// an exec subject, whose case folders the exec adapter creates there.

// Drift is the hook of a drift scenario (harness.DriftScenario): it needs
// the Loopback transport, and cases that run one at a time, so that the one
// case folder under Scratch is the case in flight.
type Drift struct {
	// Config is written over home/config.yaml when the primary's first
	// resolve arrives.
	Config harness.CaseConfig
	// Scratch is the scratch root of an exec subject (exec.ScratchRoot);
	// "" for an in-process subject.
	Scratch string
}

// drifting is one case under the Drift hook.
type drifting struct {
	d    *Drift
	urls map[string]string
	home string
	stop func()

	mu      sync.Mutex
	drifted bool
	err     error
}

// start writes the case's config to a home folder of its own and puts a
// proxy in front of the fakes that drifts the config on the primary's first
// resolve.
func (d *Drift) start(want harness.Expected, c harness.Case) (*drifting, error) {
	home, err := os.MkdirTemp("", "fallbackgate-drift-*")
	if err != nil {
		return nil, err
	}
	dr := &drifting{d: d, home: home}
	if err := writeConfig(filepath.Join(home, "config.yaml"), c.Config); err != nil {
		os.RemoveAll(home)
		return nil, err
	}
	if dr.urls, dr.stop, err = driftProxy(c.Providers, "/p/"+want.Request.Primary.Provider+"/resolve", dr.drift); err != nil {
		os.RemoveAll(home)
		return nil, err
	}
	return dr, nil
}

// drift rewrites every config.yaml of the case, once.
func (dr *drifting) drift() {
	dr.mu.Lock()
	defer dr.mu.Unlock()
	if dr.drifted {
		return
	}
	files := []string{filepath.Join(dr.home, "config.yaml")}
	if dr.d.Scratch != "" {
		more, _ := filepath.Glob(filepath.Join(dr.d.Scratch, "*", "home", "config.yaml"))
		files = append(files, more...)
	}
	for _, f := range files {
		if err := writeConfig(f, dr.d.Config); err != nil {
			dr.err = errors.Join(dr.err, err)
		}
	}
	dr.drifted = true
}

func (dr *drifting) cleanup() {
	dr.stop()
	os.RemoveAll(dr.home)
}

// judge stops the proxy and checks R1 on a start-up whose config was
// rewritten while it ran: a remaining chain that is not the tail of the
// chain walked but is the tail of the rewritten chain was read a second
// time. The error is for a config that could not be rewritten.
func (dr *drifting) judge(want harness.Expected, o harness.Outcome) (harness.Violations, error) {
	dr.stop()
	dr.mu.Lock()
	defer dr.mu.Unlock()
	if dr.err != nil {
		return nil, fmt.Errorf("rewriting config.yaml: %w", dr.err)
	}
	if !dr.drifted || want.Err != nil {
		return nil, nil
	}
	started := harness.EventsNamed(o.Events, harness.EventStarted)
	if len(started) != 1 {
		return nil, nil
	}
	got, wantRem := started[0].RemainingStrings(), harness.ChainStrings(want.Decision.Remaining)
	if slices.Equal(got, wantRem) {
		return nil, nil
	}
	cfg, err := dr.d.Config.Resolved()
	if err != nil {
		return nil, nil
	}
	tail := cfg.Chain
	if l := want.Decision.Landed; l >= 0 {
		tail = tail[min(l+1, len(tail)):]
	}
	if !slices.Equal(got, harness.ChainStrings(tail)) {
		return nil, nil
	}
	return harness.Violations{{Rule: "R1", Message: fmt.Sprintf(
		"remaining chain [%s] comes from config.yaml as rewritten during the start-up; the chain read at start-up gives [%s] (the chain was read twice)",
		strings.Join(got, ", "), strings.Join(wantRem, ", "))}}, nil
}

func writeConfig(path string, cfg harness.CaseConfig) error {
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

// driftProxy serves a loopback reverse proxy in front of the fakes that
// urls lead to and returns base URLs through it for every provider. The
// first request to trigger runs drift before it is passed on. stop shuts
// the proxy down; it may be called more than once.
func driftProxy(urls map[string]string, trigger string, drift func()) (map[string]string, func(), error) {
	var to *url.URL
	for _, u := range urls {
		parsed, err := url.Parse(u)
		if err != nil {
			return nil, nil, err
		}
		to = &url.URL{Scheme: parsed.Scheme, Host: parsed.Host}
		break
	}
	if to == nil || !strings.HasPrefix(to.Host, "127.0.0.1:") {
		return nil, nil, errors.New("drift: the fakes must be served on loopback")
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
