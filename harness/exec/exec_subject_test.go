package exec

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/reference"
)

// envTestSubject makes the test binary act as a hostile or well-behaved
// subject instead of running tests: the exec tests re-execute os.Args[0]
// with it set. It is checked in init, not TestMain, so that other test files
// of the package stay free to declare a TestMain.
const envTestSubject = "FALLBACKGATE_TEST_SUBJECT"

func init() {
	mode := os.Getenv(envTestSubject)
	if mode == "" {
		return
	}
	if f := os.Getenv("FG_PIDFILE"); f != "" {
		_ = os.WriteFile(f, []byte(strconv.Itoa(os.Getpid())), 0o600)
	}
	os.Exit(runTestSubject(mode))
}

func runTestSubject(mode string) int {
	switch mode {
	case "oneshot", "cli":
		c, err := readTestCase()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := appendLine(c.Events, startedEvent("", c.ID)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if mode == "cli" {
			in, _ := io.ReadAll(os.Stdin)
			fmt.Printf("you said: %s", in)
			return 0
		}
		fmt.Print("answer to " + c.ID)
		return 0
	case "flood":
		buf := []byte(strings.Repeat("x", 1<<20))
		for range 100 {
			if _, err := os.Stdout.Write(buf); err != nil {
				return 1
			}
		}
		return 0
	case "garbage-events":
		c, _ := readTestCase()
		_ = appendLine(c.Events, []byte("this is not json"))
		return 0
	case "reference-gateway-dies":
		// The reference gateway with the mutation that dies on a failed
		// start-up: a real culprit among well-behaved cases.
		return reference.Main(context.Background(), harness.Gateway, os.Getenv, os.Stdin, os.Stdout, os.Stderr,
			&http.Client{Timeout: 10 * time.Second}, reference.Options{GatewayDiesOnFailure: true})
	case "gateway", "gateway-die", "gateway-silent", "gateway-garbage", "gateway-unknown-id", "gateway-ignore-eof",
		"gateway-unknown-id-event", "gateway-stderr-flood", "gateway-stderr-leak", "gateway-reply-leak",
		"gateway-events-long-line", "gateway-events-huge", "gateway-reply-long-line", "gateway-stdout-flood":
		return runTestGateway(mode)
	}
	if code, ok := runHostileSubject(mode); ok {
		return code
	}
	fmt.Fprintf(os.Stderr, "unknown test subject %q\n", mode)
	return 2
}

func readTestCase() (harness.Case, error) {
	var c harness.Case
	data, err := os.ReadFile(os.Getenv(harness.EnvCase))
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(data, &c)
}

func startedEvent(id, model string) []byte {
	b, _ := json.Marshal(map[string]any{
		"event": "started", "id": id, "provider": "p", "model": model,
		"landed_at": -1, "remaining": []string{},
	})
	return b
}

var appendMu sync.Mutex

func appendLine(path string, line []byte) error {
	appendMu.Lock()
	defer appendMu.Unlock()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write(append(line, '\n'))
	return err
}

// runTestGateway answers each request in its own goroutine, so replies come
// in any order, as PROTOCOL.md allows.
func runTestGateway(mode string) int {
	events := os.Getenv(harness.EnvEvents)
	var outMu sync.Mutex
	reply := func(v any) {
		b, _ := json.Marshal(v)
		outMu.Lock()
		defer outMu.Unlock()
		os.Stdout.Write(append(b, '\n'))
	}
	var wg sync.WaitGroup
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		n++
		var req harness.GatewayRequest
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			fmt.Fprintln(os.Stderr, "bad request:", err)
			return 1
		}
		switch mode {
		case "gateway-die":
			if n == 2 {
				fmt.Fprintln(os.Stderr, "boom: dying with requests pending")
				os.Exit(3)
			}
		case "gateway-silent":
			continue
		case "gateway-garbage":
			outMu.Lock()
			fmt.Println("hello world")
			outMu.Unlock()
			continue
		case "gateway-unknown-id":
			reply(harness.Reply{ID: "zzz", Session: req.Session, OK: true, Reply: "?"})
			continue
		case "gateway-unknown-id-event":
			_ = appendLine(events, startedEvent("nobody", req.Case.ID))
		case "gateway-stderr-flood":
			chunk := []byte(strings.Repeat("e", 1<<20))
			for range 64 {
				if _, err := os.Stderr.Write(chunk); err != nil {
					return 1
				}
			}
		case "gateway-stderr-leak":
			fmt.Fprintln(os.Stderr, "debug: key "+hostileKey[:20]+"\n"+hostileKey[20:])
		case "gateway-events-long-line":
			ev, _ := json.Marshal(map[string]any{"event": "started", "id": req.ID, "provider": "p", "model": strings.Repeat("m", 100<<10), "landed_at": -1, "remaining": []string{}})
			_ = appendLine(events, ev)
		case "gateway-events-huge":
			ev, _ := json.Marshal(map[string]any{"event": "started", "id": req.ID, "provider": "p", "model": strings.Repeat("m", 60<<10), "landed_at": -1, "remaining": []string{}})
			for range 20 {
				_ = appendLine(events, ev)
			}
		case "gateway-reply-long-line":
			reply(harness.Reply{ID: req.ID, Session: req.Session, OK: true, Reply: strings.Repeat("r", 1100<<10)})
			continue
		case "gateway-stdout-flood":
			// Blank lines, which a gateway may write: only the bound on
			// what it writes per request stops them.
			line := []byte(strings.Repeat(" ", 512<<10) + "\n")
			outMu.Lock()
			for range 64 {
				if _, err := os.Stdout.Write(line); err != nil {
					break
				}
			}
			outMu.Unlock()
			continue
		case "gateway-reply-leak":
			reply(map[string]any{"id": req.ID, "session": req.Session, "ok": true, "reply": "x", "debug": hostileKey})
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = appendLine(events, startedEvent(req.ID, req.Case.ID))
			reply(harness.Reply{ID: req.ID, Session: req.Session, OK: true, Reply: "answer to " + req.Case.ID})
		}()
	}
	wg.Wait()
	if mode == "gateway-ignore-eof" {
		time.Sleep(time.Hour) // a subject that ignores end-of-file; the harness must kill it
	}
	return 0
}
