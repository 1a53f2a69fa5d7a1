package harness

// Outcome is everything a surface did in one case that the checker may
// judge.
type Outcome struct {
	Surface string
	// ExitCode is the process's exit code for oneshot and cli; -1 when it
	// was killed or never exited.
	ExitCode int
	// Stdout and Stderr are what the process wrote, cut at the capture
	// limit (see Truncated).
	Stdout, Stderr string
	// Truncated is set when output went past the capture limit.
	Truncated bool
	// Events are the events the start-up emitted, in order.
	Events []Event
	// Reply is the gateway's answer; nil for other surfaces or when none
	// came.
	Reply *Reply
	// Failure says why the subject, not the contract, failed the case: a
	// timeout, a crash, a protocol violation. Empty when the subject
	// behaved as a process should.
	Failure string
	// GatewayDied is set when the case failed because the gateway process
	// died (crashed, stopped answering, broke the protocol) while its
	// request was in flight or before it was sent: the death may come from
	// another case. The runner then re-runs the case alone on a fresh
	// gateway to tell the case that kills the gateway from its victims.
	GatewayDied bool `json:"-"`
	// Exited is set when the subject's process ended on its own before the
	// case was judged: a oneshot or cli process that exited (or crashed),
	// a gateway that exited before its stdin was closed. It is unset when
	// the harness killed it (a timeout, a flood, cancellation) and for a
	// surface in this process. The gate uses it to tell a subject that
	// could not be started (harness.NotStarted) from one that broke rules.
	Exited bool `json:"-"`
	// Dir is the scratch folder of the case (case.json, events.jsonl,
	// home/) when the exec surface was told to keep it (KeepDir); empty
	// otherwise.
	Dir string
	// Leaks names each channel ("gateway stdout", "gateway stderr",
	// "events") in which the surface found a secret (fakes.FindSecrets) in
	// what it read but did not keep as it was: a line it quoted redacted,
	// a reply field it does not know. The checker cites R16 for each.
	Leaks []string `json:"-"`
}

// Reply is one line of a gateway's stdout, matched to a request by ID.
type Reply struct {
	ID      string `json:"id"`
	Session string `json:"session"`
	OK      bool   `json:"ok"`
	Class   string `json:"class,omitempty"`
	Reply   string `json:"reply"`
	Notice  string `json:"notice,omitempty"`
}
