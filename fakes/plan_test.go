package fakes

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// genFault draws any valid fault.
func genFault(t *rapid.T, label string) Fault {
	k := Kind(rapid.IntRange(0, int(numKinds)-1).Draw(t, label+".kind"))
	f := Fault{Kind: k}
	if k == RateLimited {
		f.RetryAfter = time.Duration(rapid.IntRange(1, 86400).Draw(t, label+".retry_after_s")) * time.Second
	}
	return f
}

// genStep draws any valid step.
func genStep(t *rapid.T, label string) Step {
	s := Step{Fault: genFault(t, label)}
	if rapid.Bool().Draw(t, label+".has_until") {
		s.Until = time.Duration(rapid.Int64Range(1, int64(48*time.Hour)).Draw(t, label+".until"))
		s.Count = rapid.IntRange(0, MaxCount).Draw(t, label+".count")
	} else {
		s.Count = rapid.IntRange(1, MaxCount).Draw(t, label+".count")
	}
	return s
}

func genSeq(t *rapid.T, label string) []Step {
	if !rapid.Bool().Draw(t, label+".present") {
		return nil
	}
	n := rapid.IntRange(1, 5).Draw(t, label+".len")
	steps := make([]Step, n)
	for i := range steps {
		steps[i] = genStep(t, label)
	}
	return steps
}

// genPlan draws any valid plan but the zero Plan.
func genPlan(t *rapid.T) Plan {
	p := Plan{Resolve: genSeq(t, "resolve"), Completions: genSeq(t, "completions")}
	if p.Resolve == nil && p.Completions == nil {
		p.Resolve = []Step{genStep(t, "resolve")}
	}
	return p
}

func TestPlanRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genPlan(t)
		if err := p.Validate(); err != nil {
			t.Fatalf("generated invalid plan %q: %v", p, err)
		}
		s := p.String()
		q, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		if d := cmp.Diff(p, q); d != "" {
			t.Fatalf("Parse(%q) (-want +got):\n%s", s, d)
		}
		if q.String() != s {
			t.Fatalf("print(parse(%q)) = %q", s, q.String())
		}
	})
}

func TestParseExamples(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Plan
		out  string
	}{
		{"ok", Plan{Resolve: []Step{{Count: 1}}}, "ok"},
		{"2*ok -> missing", Plan{Resolve: []Step{{Count: 2}, {Fault: Fault{Kind: Missing}, Count: 1}}}, "2*ok -> missing"},
		{"ok until 30s -> expired", Plan{Resolve: []Step{{Until: 30 * time.Second}, {Fault: Fault{Kind: Expired}, Count: 1}}}, "ok until 30s -> expired"},
		{"1*ok until 1m30s", Plan{Resolve: []Step{{Count: 1, Until: 90 * time.Second}}}, "1*ok until 1m30s"},
		{"429", Plan{Resolve: []Step{{Fault: Fault{Kind: RateLimited, RetryAfter: 30 * time.Second}, Count: 1}}}, "429(retry_after=30s)"},
		{" 429 ( retry_after = 1m ) ", Plan{Resolve: []Step{{Fault: Fault{Kind: RateLimited, RetryAfter: time.Minute}, Count: 1}}}, "429(retry_after=1m0s)"},
		{"resolve: expired; completions: 500", Plan{
			Resolve:     []Step{{Fault: Fault{Kind: Expired}, Count: 1}},
			Completions: []Step{{Fault: Fault{Kind: ServerError}, Count: 1}},
		}, "resolve: expired; completions: 500"},
		{"completions: 401 -> ok", Plan{Completions: []Step{{Fault: Fault{Kind: Unauthorized}, Count: 1}, {Count: 1}}}, "completions: 401 -> ok"},
		{"expired;completions:500", Plan{
			Resolve:     []Step{{Fault: Fault{Kind: Expired}, Count: 1}},
			Completions: []Step{{Fault: Fault{Kind: ServerError}, Count: 1}},
		}, "resolve: expired; completions: 500"},
		{"3*reset->hang->malformed->logged_out->invalid_key->unconfigured->revoked->403->400->404->502->503", Plan{Resolve: []Step{
			{Fault: Fault{Kind: Reset}, Count: 3}, {Fault: Fault{Kind: Hang}, Count: 1}, {Fault: Fault{Kind: Malformed}, Count: 1},
			{Fault: Fault{Kind: LoggedOut}, Count: 1}, {Fault: Fault{Kind: InvalidKey}, Count: 1}, {Fault: Fault{Kind: Unconfigured}, Count: 1},
			{Fault: Fault{Kind: Revoked}, Count: 1}, {Fault: Fault{Kind: Forbidden}, Count: 1}, {Fault: Fault{Kind: BadRequest}, Count: 1},
			{Fault: Fault{Kind: NotFound}, Count: 1}, {Fault: Fault{Kind: BadGateway}, Count: 1}, {Fault: Fault{Kind: Unavailable}, Count: 1},
		}}, "3*reset -> hang -> malformed -> logged_out -> invalid_key -> unconfigured -> revoked -> 403 -> 400 -> 404 -> 502 -> 503"},
	} {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", tc.in, d)
		}
		if got.String() != tc.out {
			t.Errorf("Parse(%q).String() = %q; want %q", tc.in, got.String(), tc.out)
		}
	}
}

func TestParseMalformed(t *testing.T) {
	for _, tc := range []struct {
		in  string
		pos int
		msg string
	}{
		{"", 0, "expected " + expectedFault},
		{"2*ok -> ", 8, "expected " + expectedFault},
		{"2*", 2, "expected " + expectedFault},
		{"bogus", 0, `unknown fault "bogus"; expected ` + expectedFault},
		{"ok -> bogus", 6, `unknown fault "bogus"; expected ` + expectedFault},
		{"0*ok", 0, "count must be at least 1"},
		{"x*ok", 0, `expected a count before "*"`},
		{"*ok", 0, `expected a count before "*"`},
		{"99999999*ok", 0, "count 99999999 is more than 1000000"},
		{"ok ok", 3, `expected "->", ";" or the end of the plan`},
		{"ok until", 8, "expected a duration after until (e.g. 30s)"},
		{"ok until soon", 9, `"soon" is not a duration (e.g. 30s, 1m30s)`},
		{"ok until 0s", 9, "until must be positive, got 0s"},
		{"ok until -5s", 9, "expected a duration after until (e.g. 30s)"},
		{"ok(retry_after=1s)", 2, "ok takes no parameters"},
		{"429(", 4, "expected a parameter (retry_after)"},
		{"429(wait=1s)", 4, `unknown parameter "wait"; 429 takes retry_after`},
		{"429(retry_after 1s)", 16, `expected "=" after retry_after`},
		{"429(retry_after=)", 16, "expected a duration after retry_after (e.g. 30s)"},
		{"429(retry_after=1500ms)", 16, "retry_after must be a whole number of seconds, got 1.5s"},
		{"429(retry_after=30s", 19, `expected "," or ")"`},
		{"ok; ok", 4, `expected an endpoint ("resolve:" or "completions:")`},
		{"resolve: ok; resolve: 500", 13, "resolve plan given twice"},
		{"completions: ok; completions: 500", 17, "completions plan given twice"},
		{"ok;", 3, `expected an endpoint ("resolve:" or "completions:")`},
		{"ok -> ;", 6, "expected " + expectedFault},
		{"resolve ok", 0, `unknown fault "resolve"; expected ` + expectedFault},
	} {
		_, err := Parse(tc.in)
		var pe *PlanError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v; want a *PlanError", tc.in, err)
			continue
		}
		if pe.Pos != tc.pos || pe.Msg != tc.msg || pe.Plan != tc.in {
			t.Errorf("Parse(%q) = %q at %d; want %q at %d", tc.in, pe.Msg, pe.Pos, tc.msg, tc.pos)
		}
	}
	const want = `plan "2*ok -> " at 8: expected a fault (ok, expired, revoked, missing, logged_out, invalid_key, unconfigured, 401, 403, 429, 400, 404, 500, 502, 503, malformed, reset, hang)`
	if _, err := Parse("2*ok -> "); err == nil || err.Error() != want {
		t.Errorf("Parse error = %v; want %s", err, want)
	}
}

func TestCursor(t *testing.T) {
	p := MustParse("2*ok -> 500 until 10s -> missing")
	var c cursor
	var got []string
	for _, at := range []time.Duration{0, 1, 2, 3, 10 * time.Second, 11 * time.Second} {
		got = append(got, c.next(p.Resolve, at).String())
	}
	want := []string{"ok", "ok", "500", "500", "missing", "missing"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("faults (-want +got):\n%s", d)
	}
	// The last step never ends, whatever its count or deadline.
	p = MustParse("ok -> 2*503 until 5s")
	c = cursor{}
	got = got[:0]
	for _, at := range []time.Duration{0, 1, 2, time.Hour} {
		got = append(got, c.next(p.Resolve, at).String())
	}
	if d := cmp.Diff([]string{"ok", "503", "503", "503"}, got); d != "" {
		t.Errorf("last step (-want +got):\n%s", d)
	}
}
