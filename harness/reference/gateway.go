package reference

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// RunGateway runs the gateway surface: it reads requests from env.Stdin, one
// JSON object per line, and handles each in its own goroutine, so that many
// sessions are in flight at once. For every request with an id it writes
// exactly one reply line to env.Stdout (see [Reply]); every event carries
// the request's id. A line that cannot be read as a request is answered with
// an "other" error when it has an id, and noted on env.Stderr when it has
// none; no request stops the gateway. When stdin ends, RunGateway waits for
// every request in flight to be answered and returns nil; it returns an
// error only when reading stdin fails. The caller cancels ctx to abandon
// requests in flight (they are answered with an error).
func RunGateway(ctx context.Context, env Env) error {
	out, events := newLineWriter(env.Stdout), newLineWriter(env.Events)
	stderr := newLineWriter(env.Stderr)
	var wg sync.WaitGroup
	defer wg.Wait()
	// died is closed when a start-up failure kills the gateway; only the
	// GatewayDiesOnFailure mutation hook does that.
	died, die := make(chan struct{}), sync.OnceFunc(func() {})
	if env.Options.GatewayDiesOnFailure {
		die = sync.OnceFunc(func() { close(died) })
	}
	lines, stop := readLines(orDiscardReader(env.Stdin))
	defer close(stop)
	for n := 1; ; n++ {
		var r lineRead
		select {
		case r = <-lines:
		case <-died:
			return errors.New("gateway: died on a failed start-up")
		}
		if len(bytes.TrimSpace(r.line)) > 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				reply, ok, startupFailed := serveGatewayLine(ctx, r.line, env, events)
				switch {
				case !ok:
					stderr.writeLine(fmt.Sprintf("fallbackgate gateway: line %d: not a request with an id; no reply", n))
				case startupFailed && env.Options.GatewayDiesOnFailure:
					die()
				default:
					out.writeJSON(reply)
				}
			}()
		}
		if errors.Is(r.err, io.EOF) {
			return nil
		}
		if r.err != nil {
			return fmt.Errorf("gateway: reading requests: %w", r.err)
		}
	}
}

// lineRead is one line read from the gateway's stdin, or why reading ended.
type lineRead struct {
	line []byte
	err  error
}

// readLines reads r line by line on its own goroutine, so that the gateway
// can stop while a read is blocked. The goroutine ends at the first read
// error, or once stop is closed and its pending line is dropped.
func readLines(r io.Reader) (<-chan lineRead, chan<- struct{}) {
	lines, stop := make(chan lineRead), make(chan struct{})
	go func() {
		in := bufio.NewReader(r)
		for {
			line, err := in.ReadBytes('\n')
			select {
			case lines <- lineRead{line, err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return lines, stop
}

// serveGatewayLine answers one request line. ok is false when the line has
// no id to answer to; startupFailed is set when the request's start-up
// failed.
func serveGatewayLine(ctx context.Context, line []byte, env Env, events *lineWriter) (reply harness.Reply, ok, startupFailed bool) {
	var req harness.GatewayRequest
	if err := json.Unmarshal(line, &req); err != nil {
		var id struct {
			ID      string `json:"id"`
			Session string `json:"session"`
		}
		if json.Unmarshal(line, &id) != nil || id.ID == "" {
			return harness.Reply{}, false, false
		}
		return harness.Reply{ID: id.ID, Session: id.Session, Class: resolver.ClassOther.String(),
			Reply: "error: bad request: " + err.Error()}, true, false
	}
	if req.ID == "" {
		return harness.Reply{}, false, false
	}
	reply, startupFailed = serveGateway(ctx, req, env.Client, env.Options, func(ev harness.Event) { events.writeJSON(ev) })
	return reply, true, startupFailed
}

// serveGateway handles one gateway request: a start-up pinned by the
// session's override (each field falling back to the case's args), then the
// answer. It emits the request's events, each carrying its id, through emit
// and returns the reply: ok with the answer and, after a fallback, the
// notice; or an error of class "auth" (says authentication failed),
// "rate_limit" (says the provider is rate-limiting, never "authentication
// failed") or "other". startupFailed tells a failed start-up from a failed
// answer.
func serveGateway(ctx context.Context, req harness.GatewayRequest, client *http.Client, opts Options, emit func(harness.Event)) (reply harness.Reply, startupFailed bool) {
	pin := req.Override
	if strings.TrimSpace(pin.Provider) == "" {
		pin.Provider = req.Case.Args.Provider
	}
	if strings.TrimSpace(pin.Model) == "" {
		pin.Model = req.Case.Args.Model
	}
	if opts.GatewayDefaultsPinnedModel && strings.TrimSpace(pin.Provider) != "" && strings.TrimSpace(pin.Model) == "" {
		pin.Model = req.Case.Config.Model.Default
	}
	p := opts.providers(client, req.Case)
	s := opts.startUp(ctx, req.Case, pin, p, func(ev harness.Event) {
		ev.ID = req.ID
		emit(ev)
	})
	reply = harness.Reply{ID: req.ID, Session: req.Session}
	fail := func(err error) harness.Reply {
		reply.Class = resolver.Classify(err).String()
		reply.Reply = strings.Join(failureLines(err, false), " — ")
		if opts.GatewayFailureText != nil {
			reply.Reply = opts.GatewayFailureText(err)
		}
		return reply
	}
	if s.err != nil {
		return fail(opts.shown(s)), true
	}
	if s.dec.FellBack() {
		reply.Notice = opts.operatorNotice(s.req.Primary, resolver.Entry{Provider: s.landing().Provider, Model: s.dec.Model})
	}
	text, err := opts.answer(ctx, s, p, req.Case.Prompt, func(string) {})
	if err != nil {
		return fail(err), false
	}
	reply.OK, reply.Reply = true, text
	return reply, false
}

// writeLine writes s and a newline in one Write.
func (l *lineWriter) writeLine(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	io.WriteString(l.w, s+"\n")
}

func orDiscardReader(r io.Reader) io.Reader {
	if r == nil {
		return strings.NewReader("")
	}
	return r
}
