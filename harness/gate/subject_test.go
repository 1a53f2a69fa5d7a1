package gate_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/reference"
)

// envTestSubject makes this test binary act as a gateway process instead of
// running tests: the isolation tests run os.Args[0] through the exec adapter
// with it set, because only a gateway process that dies tells the gate
// harness.Outcome.GatewayDied (an in-process gateway never dies). The exec
// package's tests have a hook of their own (harness/exec/exec_subject_test.go);
// it lives in another test binary. It is checked in init, not TestMain, as
// there.
const envTestSubject = "FALLBACKGATE_TEST_SUBJECT"

func init() {
	mode := os.Getenv(envTestSubject)
	if mode == "" {
		return
	}
	os.Exit(runTestSubject(mode))
}

func runTestSubject(mode string) int {
	switch mode {
	case "reference-gateway-dies":
		// The reference gateway with the mutation that dies on a failed
		// start-up: a real culprit among well-behaved cases.
		return reference.Main(context.Background(), harness.Gateway, os.Getenv, os.Stdin, os.Stdout, os.Stderr,
			&http.Client{Timeout: 10 * time.Second}, reference.Options{GatewayDiesOnFailure: true})
	case "gateway-die":
		return runDyingGateway()
	}
	fmt.Fprintf(os.Stderr, "unknown test subject %q\n", mode)
	return 2
}

// runDyingGateway answers its first request with a started event and a
// reply, and dies with exit code 3 on its second, with it in flight.
func runDyingGateway() int {
	events, err := os.OpenFile(os.Getenv(harness.EnvEvents), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer events.Close()
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	writeJSON := func(f *os.File, v any) {
		b, _ := json.Marshal(v)
		mu.Lock()
		defer mu.Unlock()
		f.Write(append(b, '\n'))
	}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var req harness.GatewayRequest
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			fmt.Fprintln(os.Stderr, "bad request:", err)
			return 1
		}
		if n == 2 {
			fmt.Fprintln(os.Stderr, "boom: dying with requests pending")
			os.Exit(3)
		}
		wg.Go(func() {
			writeJSON(events, map[string]any{"event": "started", "id": req.ID, "provider": "p", "model": req.Case.ID,
				"landed_at": -1, "remaining": []string{}})
			writeJSON(os.Stdout, harness.Reply{ID: req.ID, Session: req.Session, OK: true, Reply: "answer to " + req.Case.ID})
		})
	}
	wg.Wait()
	return 0
}
