package harness

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/fallbackgate/fallbackgate/fakes"
)

// errHangCut is what a request to a hanging fake fails with in-process.
var errHangCut = errors.New("no answer: the provider hangs (cut short in-process)")

// HangCutClient returns an in-process client of fleet that answers a
// request meeting a hang fault at once with an error, as a client's
// timeout would after its wait. The fleet records a hang in its ledger
// before it blocks, so the cut needs no clock and no timer: the model and
// the surface see the same outcome however loaded the machine is. Requests
// through the client must be sequential (one start-up's).
func HangCutClient(f *fakes.Fleet) *http.Client {
	return &http.Client{Transport: hangCut{f}}
}

// InProcessPredict are the model's options for in-process cases: hangs cut
// by HangCutClient, PropRequestTimeout as a safety net.
func InProcessPredict(clock fakes.Clock) PredictOptions {
	return PredictOptions{Clock: clock, RequestTimeout: PropRequestTimeout, Client: HangCutClient}
}

type hangCut struct{ f *fakes.Fleet }

type roundTrip struct {
	resp *http.Response
	err  error
}

// RoundTrip sends r to the fleet and cuts it short if the fake hangs.
func (h hangCut) RoundTrip(r *http.Request) (*http.Response, error) {
	ledger := h.f.Ledger()
	n := ledger.Len()
	ctx, cancel := context.WithCancel(r.Context())
	done := make(chan roundTrip, 1)
	go func() {
		resp, err := h.f.Transport().RoundTrip(r.WithContext(ctx))
		done <- roundTrip{resp, err}
	}()
	watch, stop := context.WithCancel(context.Background())
	defer stop()
	recorded := make(chan struct{})
	go func() {
		if ledger.Await(watch, n+1) == nil {
			close(recorded)
		}
	}()
	var rt roundTrip
	select {
	case rt = <-done:
	case <-recorded:
		if calls := ledger.Calls(); len(calls) > n && calls[n].Outcome == fakes.OutcomeHang {
			cancel()
			<-done
			return nil, errHangCut
		}
		rt = <-done
	}
	if rt.err != nil {
		cancel()
		return nil, rt.err
	}
	rt.resp.Body = cancelOnClose{rt.resp.Body, cancel}
	return rt.resp, nil
}

// cancelOnClose releases a request's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
