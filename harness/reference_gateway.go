package harness

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

	"github.com/fallbackgate/fallbackgate/resolver"
)

// GatewayRequest is one line a gateway reads from stdin (PROTOCOL.md,
// "gateway"). A non-blank Override pins the session (R6).
type GatewayRequest struct {
	ID       string `json:"id"`
	Session  string `json:"session"`
	Case     Case   `json:"case"`
	Override Args   `json:"override"`
}

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
	in := bufio.NewReader(orDiscardReader(env.Stdin))
	for n := 1; ; n++ {
		line, err := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if reply, ok := serveGatewayLine(ctx, line, env, events); ok {
					out.writeJSON(reply)
				} else {
					stderr.writeLine(fmt.Sprintf("fallbackgate gateway: line %d: not a request with an id; no reply", n))
				}
			}()
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("gateway: reading requests: %w", err)
		}
	}
}

// serveGatewayLine answers one request line. ok is false when the line has
// no id to answer to.
func serveGatewayLine(ctx context.Context, line []byte, env Env, events *lineWriter) (reply Reply, ok bool) {
	var req GatewayRequest
	if err := json.Unmarshal(line, &req); err != nil {
		var id struct {
			ID      string `json:"id"`
			Session string `json:"session"`
		}
		if json.Unmarshal(line, &id) != nil || id.ID == "" {
			return Reply{}, false
		}
		return Reply{ID: id.ID, Session: id.Session, Class: resolver.ClassOther.String(),
			Reply: "error: bad request: " + err.Error()}, true
	}
	if req.ID == "" {
		return Reply{}, false
	}
	return ServeGateway(ctx, req, env.Client, env.Options, func(ev Event) { events.writeJSON(ev) }), true
}

// ServeGateway handles one gateway request: a start-up pinned by the
// session's override (each field falling back to the case's args), then the
// answer. It emits the request's events, each carrying its id, through emit
// and returns the reply: ok with the answer and, after a fallback, the
// notice; or an error of class "auth" (says authentication failed),
// "rate_limit" (says the provider is rate-limiting, never "authentication
// failed") or "other".
func ServeGateway(ctx context.Context, req GatewayRequest, client *http.Client, opts Options, emit func(Event)) Reply {
	pin := req.Override
	if strings.TrimSpace(pin.Provider) == "" {
		pin.Provider = req.Case.Args.Provider
	}
	if strings.TrimSpace(pin.Model) == "" {
		pin.Model = req.Case.Args.Model
	}
	p := opts.providers(client, req.Case)
	s := opts.startUp(ctx, req.Case, pin, p, func(ev Event) {
		ev.ID = req.ID
		emit(ev)
	})
	reply := Reply{ID: req.ID, Session: req.Session}
	fail := func(err error) Reply {
		reply.Class = resolver.Classify(err).String()
		reply.Reply = strings.Join(failureLines(err, false), " — ")
		return reply
	}
	if s.err != nil {
		return fail(s.err)
	}
	if s.dec.FellBack() {
		reply.Notice = FallbackNotice(s.req.Primary, resolver.Entry{Provider: s.landing().Provider, Model: s.dec.Model})
	}
	text, err := opts.answer(ctx, s, p, req.Case.Prompt, func(string) {})
	if err != nil {
		return fail(err)
	}
	reply.OK, reply.Reply = true, text
	return reply
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
