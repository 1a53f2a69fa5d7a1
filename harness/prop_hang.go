package harness

import (
	"errors"
	"net/http"

	"github.com/fallbackgate/fallbackgate/fakes"
)

// errHangCut is what a request to a hanging fake fails with in-process.
var errHangCut = errors.New("no answer: the provider hangs (cut short in-process)")

// HangCutClient returns an in-process client of fleet that answers a
// request meeting a hang fault at once with an error, as a client's
// timeout would after its wait (fakes.Fleet.HangCutTransport). The fleet
// records a hang in its ledger before it is cut, so the cut needs no clock
// and no timer: the model and the surface see the same outcome however
// loaded the machine is.
func HangCutClient(f *fakes.Fleet) *http.Client {
	return &http.Client{Transport: f.HangCutTransport(errHangCut)}
}

// InProcessPredict are the model's options for in-process cases: the
// fleet reached without HTTP, hangs cut at once as HangCutClient cuts
// them, PropRequestTimeout as a safety net.
func InProcessPredict(clock fakes.Clock) PredictOptions {
	return PredictOptions{Clock: clock, RequestTimeout: PropRequestTimeout, CutHangs: true}
}
