package reference

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Surface is the in-process reference subject on one surface: it runs
// RunOneshot, RunCLI or RunGateway with in-memory streams and reports what
// they did as an Outcome, just as the exec adapter does for a process.
//
// The gateway surface runs one long-lived RunGateway, started by the first
// Start and shared by every concurrent Start; its replies and events are
// routed back by request id. The caller must call Close when done with a
// gateway Surface.
type Surface struct {
	name   string
	client *http.Client
	opts   Options

	gw struct {
		once    sync.Once
		closed  atomic.Bool
		seq     atomic.Int64
		writeMu sync.Mutex // one request line at a time on stdin
		stdin   *io.PipeWriter
		done    chan struct{} // closed when RunGateway has returned
		err     error         // what RunGateway returned; read after done

		mu      sync.Mutex
		pending map[string]*gatewayCall
	}
}

// gatewayCall collects what the gateway wrote for one request.
type gatewayCall struct {
	events [][]byte
	reply  chan []byte // the reply line; buffered, sent once
}

var (
	_ harness.Renewable = (*Surface)(nil)
	_ harness.Bindable  = (*Surface)(nil)
)

// NewSurface returns the reference subject on surface name ("oneshot",
// "gateway" or "cli"), reaching the fakes through client (nil means
// http.DefaultClient) and behaving as opts say. The caller must call Close.
func NewSurface(name string, client *http.Client, opts Options) *Surface {
	return &Surface{name: name, client: client, opts: opts}
}

// Name returns the surface's name.
func (r *Surface) Name() string { return r.name }

// Renew returns a new surface like r, with no gateway of its own yet.
func (r *Surface) Renew() harness.Surface { return NewSurface(r.name, r.client, r.opts) }

// Bind returns a new surface like r that reaches the fakes through client.
func (r *Surface) Bind(client *http.Client) harness.Surface {
	return NewSurface(r.name, client, r.opts)
}

// Start runs case c on the surface. For oneshot and cli the process's stdin
// is c.Prompt, as the exec adapter gives it. For the gateway, c.Args becomes
// the session's override and the Outcome's ExitCode is 0 (the shared process
// has not exited); Stdout is the reply line.
func (r *Surface) Start(ctx context.Context, c harness.Case) (harness.Outcome, error) {
	switch r.name {
	case harness.Oneshot, harness.CLI:
		return r.startProcess(ctx, c), nil
	case harness.Gateway:
		return r.startGateway(ctx, c)
	}
	return harness.Outcome{}, fmt.Errorf("reference subject: unknown surface %q (known: %s)", r.name, strings.Join(harness.Surfaces, ", "))
}

func (r *Surface) startProcess(ctx context.Context, c harness.Case) harness.Outcome {
	var stdout, stderr, events bytes.Buffer
	env := Env{Stdin: strings.NewReader(c.Prompt), Stdout: &stdout, Stderr: &stderr, Events: &events,
		Client: r.client, Options: r.opts}
	run := RunOneshot
	if r.name == harness.CLI {
		run = RunCLI
	}
	o := harness.Outcome{Surface: r.name, ExitCode: run(ctx, c, env)}
	o.Stdout, o.Stderr = stdout.String(), stderr.String()
	var err error
	if o.Events, err = harness.ParseEvents(c.ID+" events", events.Bytes()); err != nil {
		o.Failure = err.Error()
	}
	return o
}

// Close stops the shared gateway: it ends its stdin and waits until every
// request in flight is answered. It returns RunGateway's error; for oneshot
// and cli, and for a gateway never started, it does nothing.
func (r *Surface) Close() error {
	r.gw.closed.Store(true)
	started := true
	r.gw.once.Do(func() { started = false })
	if !started || r.gw.stdin == nil {
		return nil
	}
	r.gw.writeMu.Lock()
	r.gw.stdin.Close()
	r.gw.writeMu.Unlock()
	<-r.gw.done
	return r.gw.err
}

func (r *Surface) startGateway(ctx context.Context, c harness.Case) (harness.Outcome, error) {
	r.gw.once.Do(r.runGateway)
	if r.gw.closed.Load() || r.gw.stdin == nil {
		return harness.Outcome{}, errors.New("reference gateway: used after Close")
	}
	n := r.gw.seq.Add(1)
	c.Events, c.Home = "", ""
	req := harness.GatewayRequest{ID: fmt.Sprintf("%s#%d", c.ID, n), Session: fmt.Sprintf("s%d", n), Case: c, Override: c.Args}
	line, err := json.Marshal(req)
	if err != nil {
		return harness.Outcome{}, fmt.Errorf("reference gateway: %w", err)
	}
	call := &gatewayCall{reply: make(chan []byte, 1)}
	r.gw.mu.Lock()
	r.gw.pending[req.ID] = call
	r.gw.mu.Unlock()
	defer func() {
		r.gw.mu.Lock()
		delete(r.gw.pending, req.ID)
		r.gw.mu.Unlock()
	}()

	o := harness.Outcome{Surface: harness.Gateway}
	r.gw.writeMu.Lock()
	_, err = r.gw.stdin.Write(append(line, '\n'))
	r.gw.writeMu.Unlock()
	if err != nil {
		o.ExitCode, o.Failure = -1, "gateway is not running: "+err.Error()
		return o, nil
	}
	select {
	case raw := <-call.reply:
		o.Stdout = string(raw)
		var reply harness.Reply
		if err := json.Unmarshal(raw, &reply); err != nil {
			o.Failure = fmt.Sprintf("gateway reply is not JSON: %q", raw)
		}
		o.Reply = &reply
	case <-r.gw.done:
		o.ExitCode, o.Failure = -1, fmt.Sprintf("gateway exited before answering %s (R17)", req.ID)
	case <-ctx.Done():
		o.Failure = fmt.Sprintf("gateway did not answer %s: %v (R17)", req.ID, ctx.Err())
	}
	r.gw.mu.Lock()
	events := bytes.Join(call.events, []byte("\n"))
	r.gw.mu.Unlock()
	var perr error
	if o.Events, perr = harness.ParseEvents(req.ID+" events", events); perr != nil && o.Failure == "" {
		o.Failure = perr.Error()
	}
	return o, nil
}

// runGateway starts the shared RunGateway with a pipe for stdin and
// writers that route each output line to its request by id.
func (r *Surface) runGateway() {
	stdinR, stdinW := io.Pipe()
	r.gw.stdin, r.gw.done = stdinW, make(chan struct{})
	r.gw.pending = map[string]*gatewayCall{}
	env := Env{
		Stdin:   stdinR,
		Stdout:  &lineRouter{route: r.routeReply},
		Events:  &lineRouter{route: r.routeEvent},
		Client:  r.client,
		Options: r.opts,
	}
	go func() {
		defer close(r.gw.done)
		r.gw.err = RunGateway(context.Background(), env)
		stdinR.Close()
	}()
}

func (r *Surface) routeReply(line []byte) {
	var head struct{ ID string }
	json.Unmarshal(line, &head)
	r.gw.mu.Lock()
	call := r.gw.pending[head.ID]
	r.gw.mu.Unlock()
	if call != nil {
		select {
		case call.reply <- line:
		default: // a second reply for the same id: the first one counts
		}
	}
}

func (r *Surface) routeEvent(line []byte) {
	var head struct{ ID string }
	json.Unmarshal(line, &head)
	r.gw.mu.Lock()
	defer r.gw.mu.Unlock()
	if call := r.gw.pending[head.ID]; call != nil {
		call.events = append(call.events, line)
	}
}

// lineRouter is a Writer that hands every complete line to route, in
// order. Writes must not be concurrent (lineWriter serializes them).
type lineRouter struct {
	buf   []byte
	route func(line []byte)
}

func (w *lineRouter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := bytes.Clone(w.buf[:i])
		w.buf = w.buf[i+1:]
		w.route(line)
	}
}

// Subject returns the built-in reference subject running in-process, named
// name, with the behaviour opts give it (a mutant's, or the contract's).
// Its surfaces reach the fakes with http.DefaultClient until a case binds
// them to a client of its own (harness.Bindable). The caller must Close it.
func Subject(name string, opts Options) *harness.Subject {
	p := opts.Profile
	if p.Name == "" {
		p = resolver.Strict
	}
	s := &harness.Subject{Name: name, Profile: p, Capabilities: []string{harness.CapabilityRuntimeFallback}, Surfaces: map[string]harness.Surface{}}
	if opts.NoRuntimeFallback {
		s.Capabilities = nil
	}
	for _, n := range harness.Surfaces {
		s.Surfaces[n] = NewSurface(n, nil, opts)
	}
	return s
}
