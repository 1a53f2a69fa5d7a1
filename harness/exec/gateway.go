package exec

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
)

// maxReplyLine bounds one line of the gateway's stdout.
const maxReplyLine = 1 << 20

// routed is a reply handed to the request it answers. missingOK is set when
// the line had no "ok", which fails that request only.
type routed struct {
	harness.Reply
	missingOK bool
	// leaked is set when the raw line held a secret (in a field the
	// harness does not keep, or encoded).
	leaked bool
}

// gateway is the one long-lived process of a gateway surface. Requests are
// written to its stdin under writeMu; one reader goroutine reads its stdout
// and hands each reply to the channel registered for its id. The first crash,
// hang or unroutable reply makes the gateway dead: it is killed, every
// pending and later request fails with that reason.
type gateway struct {
	s      *Surface
	p      *proc
	dir    string
	stdin  *os.File
	events *eventTail
	// stderr keeps what the gateway wrote on stderr since the last reply;
	// each reply's case checks it for secrets, so R16 sees every byte.
	stderr *capture
	// rec is the isolation recorder; each reply's case takes the hosts
	// recorded since the last reply.
	rec *recorder

	writeMu sync.Mutex

	mu        sync.Mutex
	nextID    int
	pending   map[string]chan routed
	caseOf    map[string]string // pending request id -> its case's ID
	abandoned map[string]bool   // cancelled requests whose late reply is not a violation
	answered  map[string]bool   // replied requests whose events are not taken yet
	dead      string
	exited    bool     // the death was the process exiting on its own
	leaks     []string // the channels a line quoted in dead held a secret in
	sent      int      // requests written, which bound its stdout
	inFlight  []string // the IDs of the cases pending when the gateway died
	deadCh    chan struct{}
	closing   bool
	closeOnce sync.Once
	closeErr  error
}

// gateway returns the running gateway, starting it on first use.
func (s *Surface) gateway() (*gateway, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gw != nil {
		return s.gw, nil
	}
	if s.closed {
		return nil, fmt.Errorf("%s: gateway: Start after Close", s.m.source())
	}
	g, err := s.startGateway()
	if err != nil {
		return nil, err
	}
	s.gw = g
	return g, nil
}

func (s *Surface) startGateway() (*gateway, error) {
	dir, err := s.scratch("gateway")
	if err != nil {
		return nil, err
	}
	eventsPath := filepath.Join(dir, "events.jsonl")
	if err := os.WriteFile(eventsPath, nil, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	for _, sub := range []string{"home", "tmp"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	rec, err := startRecorder()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	rIn, wIn, err := os.Pipe()
	if err != nil {
		rec.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	g := &gateway{
		s:         s,
		dir:       dir,
		stdin:     wIn,
		stderr:    newWindow(s.cfg.captureLimit),
		rec:       rec,
		pending:   map[string]chan routed{},
		caseOf:    map[string]string{},
		abandoned: map[string]bool{},
		answered:  map[string]bool{},
		deadCh:    make(chan struct{}),
	}
	g.events = &eventTail{path: eventsPath, byID: map[string][]eventLine{}, bytes: map[string]int{}, known: g.known}
	cmd := s.command(dir, rec, harness.EnvEvents+"="+eventsPath)
	cmd.Stdin = rIn
	_, err = startProc(cmd, g.readReplies, g.stderr, func(p *proc) {
		g.p = p
		g.stderr.onFlood = func() { g.fail(g.stderr.overflow("the gateway's stderr")) }
	})
	rIn.Close()
	if err != nil {
		wIn.Close()
		rec.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%s: gateway: %w", s.m.source(), err)
	}
	go g.watch()
	return g, nil
}

// watch reports an exit that Close did not ask for as a crash.
func (g *gateway) watch() {
	<-g.p.exited
	g.p.finishIO() // so that the crash message carries all of stderr
	g.mu.Lock()
	closing := g.closing
	g.mu.Unlock()
	if closing {
		return
	}
	msg := "gateway crashed: " + g.p.describeExit() + " before its stdin was closed"
	t, leaked := g.stderr.excerpt(300)
	if t != "" {
		msg += "; stderr: " + t
	}
	if leaked {
		g.leak("gateway stderr")
	}
	g.mu.Lock()
	g.exited = g.dead == "" // a death reported first (a protocol violation) killed it
	g.mu.Unlock()
	g.fail(msg)
}

// leak records a channel in which a line the gateway's death quotes held a
// secret: every case the death fails cites R16 for it.
func (g *gateway) leak(channel string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !slices.Contains(g.leaks, channel) {
		g.leaks = append(g.leaks, channel)
	}
}

// known reports whether id is a request the gateway may write events for:
// one in flight, or one abandoned by a cancelled case.
func (g *gateway) known(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, pending := g.pending[id]
	return pending || g.answered[id] || g.abandoned[id]
}

// fail makes the gateway dead with reason, unless it already is, and kills
// its process group.
func (g *gateway) fail(reason string) {
	g.mu.Lock()
	if g.dead == "" {
		g.dead = reason
		for _, c := range g.caseOf {
			g.inFlight = append(g.inFlight, c)
		}
		slices.Sort(g.inFlight)
		close(g.deadCh)
	}
	g.mu.Unlock()
	g.p.kill()
}

// died fills out for a request the gateway's death left unanswered, with
// what the gateway wrote on stderr: sent says whether the request reached
// the gateway (it was in flight) or was refused because the gateway was
// already dead.
func (g *gateway) died(out *harness.Outcome, sent bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	out.GatewayDied, out.Exited = true, g.exited
	out.Leaks = slices.Clone(g.leaks)
	out.Stderr, _ = g.stderr.tail(tailKeep) // the dead gateway's own words, redacted, for the reports
	switch {
	case !sent:
		out.Failure = "not sent: the gateway had already died: " + g.dead
	case len(g.inFlight) > 0:
		out.Failure = g.dead + " (cases in flight: " + strings.Join(g.inFlight, ", ") + ")"
	default:
		out.Failure = g.dead
	}
}

// readReplies is the single reader of the gateway's stdout. It reads no
// more than the capture limit per request written (and one more for good
// measure): past that, or past a line longer than maxReplyLine, the
// gateway is failed and its process group killed.
func (g *gateway) readReplies(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxReplyLine)
	n, read := 0, 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		read += len(line) + 1
		g.mu.Lock()
		sent := g.sent
		g.mu.Unlock()
		if budget := (sent + 1) * g.s.cfg.captureLimit; read > budget {
			g.fail(fmt.Sprintf("output flood: more than %d bytes on the gateway's stdout for %d request(s); process group killed", budget, sent))
			return
		}
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		if err := g.route(line); err != nil {
			if fakes.HasSecret(string(line)) {
				g.leak("gateway stdout")
			}
			g.fail(fmt.Sprintf("protocol violation: gateway stdout:%d: %v in line %s; process group killed", n, err, harness.QuoteLine(string(line))))
			return
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		g.fail(fmt.Sprintf("protocol violation: gateway stdout:%d: line longer than %d bytes; process group killed", n+1, maxReplyLine))
	}
}

// route hands a reply line to the request waiting for its id. A line that
// cannot be routed is an error: the harness can no longer tell which answer
// belongs to which request.
func (g *gateway) route(line []byte) error {
	var r harness.Reply
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		return errors.New("not a JSON object")
	}
	if err := json.Unmarshal(line, &r); err != nil {
		return fmt.Errorf("malformed reply: %v", err)
	}
	if r.ID == "" {
		return errors.New(`reply without "id"`)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	ch, ok := g.pending[r.ID]
	if !ok {
		if g.abandoned[r.ID] {
			delete(g.abandoned, r.ID)
			return nil
		}
		return fmt.Errorf("reply to unknown id %q (not pending, or answered twice)", r.ID)
	}
	delete(g.pending, r.ID)
	delete(g.caseOf, r.ID)
	g.answered[r.ID] = true
	_, hasOK := fields["ok"]
	ch <- routed{Reply: r, missingOK: !hasOK, leaked: fakes.HasSecret(string(line))}
	return nil
}

// do runs one case as one request.
func (g *gateway) do(ctx context.Context, c harness.Case) (harness.Outcome, error) {
	out := harness.Outcome{Surface: harness.Gateway, ExitCode: -1}
	timeout := g.s.timeout()
	g.mu.Lock()
	if g.dead != "" {
		g.mu.Unlock()
		g.died(&out, false)
		return out, nil
	}
	g.nextID++
	g.sent++
	id, session := fmt.Sprintf("r%d", g.nextID), fmt.Sprintf("s%d", g.nextID)
	ch := make(chan routed, 1)
	g.pending[id] = ch
	g.caseOf[id] = c.ID
	g.mu.Unlock()

	c.Events, c.Home = "", ""
	line, err := json.Marshal(harness.GatewayRequest{ID: id, Session: session, Case: c, Override: c.Args})
	if err != nil {
		g.forget(id, false)
		return out, fmt.Errorf("gateway: case %s: %w", c.ID, err)
	}
	deadline := time.Now().Add(timeout)
	timer := time.NewTimer(timeout)
	defer timer.Stop()

	g.writeMu.Lock()
	_ = g.stdin.SetWriteDeadline(deadline)
	_, werr := g.stdin.Write(append(line, '\n'))
	g.writeMu.Unlock()
	if errors.Is(werr, os.ErrDeadlineExceeded) {
		g.fail(fmt.Sprintf("gateway stopped answering: request %s not read from stdin within %v; process group killed", id, timeout))
	}
	// Any other write error (a closed pipe) means the gateway exited:
	// the watcher reports it, or the timer does.

	var r routed
	select {
	case r = <-ch:
	case <-g.deadCh:
		select {
		case r = <-ch:
		default:
			g.forget(id, false)
			g.died(&out, true)
			return out, nil
		}
	case <-timer.C:
		g.fail(fmt.Sprintf("gateway stopped answering: no reply to %s within %v; process group killed", id, timeout))
		g.forget(id, false)
		g.died(&out, true)
		return out, nil
	case <-ctx.Done():
		g.forget(id, true)
		out.Failure = fmt.Sprintf("cancelled: %v (request %s abandoned)", ctx.Err(), id)
		return out, nil
	}

	var failures []string
	if r.missingOK {
		failures = append(failures, fmt.Sprintf(`protocol violation: reply to %s has no "ok"`, id))
	}
	if !r.OK && !slices.Contains(harness.ReplyClasses, r.Class) {
		failures = append(failures, fmt.Sprintf(`protocol violation: failed reply to %s has class %q, want "auth", "rate_limit" or "other"`, id, r.Class))
	}
	out.Reply = &r.Reply
	// What the gateway wrote on stderr since the last reply is judged with
	// this one, so that R16 sees every byte of it. It is not the case's
	// output: which reply a line comes before is a race between two pipes.
	if fakes.HasSecret(g.stderr.take()) {
		out.Leaks = append(out.Leaks, "gateway stderr")
	}
	if f := isolationFailure(g.rec.take()); f != "" {
		failures = append(failures, f)
	}
	if r.leaked {
		out.Leaks = append(out.Leaks, "gateway stdout")
	}
	events, err := g.events.take(id)
	g.mu.Lock()
	delete(g.answered, id)
	g.mu.Unlock()
	out.Events = events
	var stream *streamError
	switch {
	case errors.As(err, &stream):
		// The events file as a whole broke the protocol: no event can be
		// told to belong to its request any more.
		if stream.leaked {
			g.leak("events")
		}
		g.fail("protocol violation: " + err.Error() + "; process group killed")
		g.died(&out, true)
		out.Reply, out.Events = nil, nil
		return out, nil
	case err != nil:
		failures = append(failures, "protocol violation: "+err.Error())
	case !hasOutcomeEvent(events) && !c.BadUsage():
		// Bad usage is refused before any start-up: no event is due.
		failures = append(failures, fmt.Sprintf("protocol violation: no %q or %q event with id %q before the reply", harness.EventStarted, harness.EventFailed, id))
	}
	out.Failure = strings.Join(failures, "; ")
	return out, nil
}

// forget drops a request that will not wait for its reply; a cancelled one
// may still be answered without that being a violation.
func (g *gateway) forget(id string, cancelled bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.pending[id]; ok {
		delete(g.pending, id)
		delete(g.caseOf, id)
		if cancelled {
			g.abandoned[id] = true
		}
	}
}

// close ends the gateway once; see Surface.Close.
func (g *gateway) close() error {
	g.closeOnce.Do(func() { g.closeErr = g.doClose() })
	return g.closeErr
}

func (g *gateway) doClose() error {
	g.mu.Lock()
	g.closing = true
	crashed := g.dead
	g.mu.Unlock()
	defer func() {
		if !g.s.cfg.keep {
			os.RemoveAll(g.dir)
		}
	}()
	leftover := ""

	g.writeMu.Lock()
	g.stdin.Close()
	g.writeMu.Unlock()

	killed := false
	grace := time.NewTimer(g.s.cfg.grace)
	defer grace.Stop()
	select {
	case <-g.p.exited:
	case <-grace.C:
		killed = true
		g.p.kill()
		<-g.p.exited
	}
	g.p.finishIO()
	g.fail("gateway closed") // fails requests still pending; keeps an earlier reason
	// What it wrote on stderr, and where it tried to go, after the last
	// reply was judged by no case.
	leftover = g.stderr.take()
	g.rec.Close()
	hosts := g.rec.take()
	if g.s.cfg.keep {
		if _, err := scrubKept(g.dir); err != nil {
			return fmt.Errorf("%s: kept gateway folder: %w", g.s.m.source(), err)
		}
	}

	var errs []string
	switch {
	case crashed != "":
		errs = append(errs, crashed)
	case killed:
		errs = append(errs, fmt.Sprintf("gateway did not exit within %v after its stdin closed; process group killed", g.s.cfg.grace))
	case g.p.exitCode() != 0 || g.p.exitFailure() != "":
		errs = append(errs, "gateway "+g.p.describeExit()+" after its stdin closed")
	}
	if g.p.leftover && !killed && crashed == "" {
		errs = append(errs, "gateway left processes running in its process group after it exited; killed them")
	}
	if g.p.survivors != nil {
		errs = append(errs, g.p.survivors.Error())
	}
	if f := g.p.escapedFailure(); f != "" {
		errs = append(errs, "gateway "+f)
	}
	if f := isolationFailure(hosts); f != "" {
		errs = append(errs, f)
	}
	if fakes.HasSecret(leftover) {
		errs = append(errs, "R16: an API key issued by the fakes appears in the gateway's stderr after its last reply")
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s", g.s.m.source(), strings.Join(errs, "; "))
}

// eventTail reads the gateway's shared events file incrementally and files
// each complete line under the request id it carries, within the
// protocol's bounds: lines of at most MaxLine, at most MaxEvents bytes per
// request id, and only ids of requests in flight (known).
type eventTail struct {
	path  string
	known func(id string) bool

	mu     sync.Mutex
	off    int64
	lineNo int
	byID   map[string][]eventLine
	bytes  map[string]int
	// br is the line reader, kept across syncs: a sync runs on every reply,
	// and a fresh MaxLine buffer each time was most of a gateway turn's
	// allocation.
	br *bufio.Reader
}

type eventLine struct {
	no   int
	text string
}

// streamError is a violation of the events file as a whole; leaked is set
// when the line it quotes held a secret.
type streamError struct {
	msg    string
	leaked bool
}

func (e *streamError) Error() string { return e.msg }

func (t *eventTail) streamError(line []byte, format string, args ...any) error {
	msg := fmt.Sprintf("events.jsonl:%d: ", t.lineNo) + fmt.Sprintf(format, args...)
	if line != nil {
		msg += " in line " + harness.QuoteLine(string(line))
	}
	return &streamError{msg: msg, leaked: line != nil && fakes.HasSecret(string(line))}
}

// take returns the events of request id, parsed strictly. An error that
// is a *streamError breaks the whole stream.
func (t *eventTail) take(id string) ([]harness.Event, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.sync(); err != nil {
		return nil, err
	}
	lines := t.byID[id]
	delete(t.byID, id)
	delete(t.bytes, id)
	var events []harness.Event
	for _, l := range lines {
		ev, err := harness.ParseEvent([]byte(l.text))
		if err != nil {
			return events, fmt.Errorf("events.jsonl:%d: %v in line %s", l.no, err, harness.QuoteLine(l.text))
		}
		events = append(events, ev)
	}
	return events, nil
}

// sync files the complete lines appended since the last call. A partial
// last line belongs to a request still in progress and is left for later.
func (t *eventTail) sync() error {
	f, err := openSubjectFile(t.path, "events.jsonl")
	if err != nil {
		return &streamError{msg: err.Error()}
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() < t.off {
		return &streamError{msg: fmt.Sprintf("events.jsonl was cut to %d bytes after %d had been read", fi.Size(), t.off)}
	}
	if _, err := f.Seek(t.off, io.SeekStart); err != nil {
		return &streamError{msg: "events.jsonl: " + err.Error()}
	}
	if t.br == nil {
		t.br = bufio.NewReaderSize(f, MaxLine+1)
	} else {
		t.br.Reset(f)
	}
	br := t.br
	defer br.Reset(nil)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			t.lineNo++
			return t.streamError(nil, "line longer than the protocol's %d bytes", MaxLine)
		}
		if err != nil {
			return nil // end of file: a partial line waits for the next sync
		}
		t.off += int64(len(line))
		t.lineNo++
		text := strings.TrimRight(string(line), "\r\n") // at most MaxLine: the reader holds MaxLine+1 bytes
		if strings.TrimSpace(text) == "" {
			continue
		}
		var head struct {
			ID *string `json:"id"`
		}
		switch {
		case json.Unmarshal([]byte(text), &head) != nil:
			return t.streamError([]byte(text), "not a JSON object")
		case head.ID == nil || *head.ID == "":
			return t.streamError([]byte(text), `gateway event without "id"`)
		case !t.known(*head.ID):
			return t.streamError([]byte(text), "event for unknown request id %q (not in flight)", *head.ID)
		}
		id := *head.ID
		t.bytes[id] += len(line)
		if t.bytes[id] > MaxEvents {
			return t.streamError(nil, "more than %d bytes of events for request %q (the protocol's bound)", MaxEvents, id)
		}
		t.byID[id] = append(t.byID[id], eventLine{no: t.lineNo, text: text})
	}
}
