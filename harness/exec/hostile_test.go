package exec

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
)

// TestExecHostileFiles: the files a subject hands the harness are opened
// without blocking or following links, and read within the protocol's
// bounds; anything else is a protocol violation saying what was found.
func TestExecHostileFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ mode, want string }{
		{"events-fifo", "protocol violation: events.jsonl is a FIFO, not a regular file"},
		{"events-symlink", "protocol violation: events.jsonl is a symbolic link, not a regular file"},
		{"events-huge", "protocol violation: events.jsonl holds more than 1048576 bytes of events"},
		{"events-long-line", "protocol violation: events.jsonl:1: line of 102475 bytes, longer than the protocol's 65536"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			s := openExec(t, testSubject(t, harness.Oneshot, tc.mode, 10*time.Second, nil), harness.Oneshot)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			out, err := s.Start(ctx, execCase(tc.mode))
			if err != nil {
				t.Fatal(err)
			}
			wantFailure(t, out, tc.want)
		})
	}
}

// TestExecScrubbedEnvironment: a subject gets none of the harness's own
// variables but PATH, the locale, TZ and what pass_env names; HOME and
// TMPDIR are inside its case folder; the proxy variables point at the
// recorder.
func TestExecScrubbedEnvironment(t *testing.T) {
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	t.Setenv("FG_PASSED_ONE", "1")
	t.Setenv("LC_ALL", "C.UTF-8")
	m := testSubject(t, harness.Oneshot, "env", 10*time.Second, nil)
	m.PassEnv = []string{"FG_PASSED_*"}
	root := t.TempDir()
	s, err := m.Surface(harness.Oneshot, ScratchRoot(root), KeepDir())
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Start(context.Background(), execCase("env"))
	if err != nil || out.Failure != "" {
		t.Fatalf("Start = %v, %q", err, out.Failure)
	}
	env := map[string]string{}
	for _, kv := range strings.Split(out.Stdout, "\n") {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	if _, ok := env["AWS_SECRET_ACCESS_KEY"]; ok {
		t.Error("the subject got AWS_SECRET_ACCESS_KEY from the harness's environment")
	}
	for k, want := range map[string]string{
		"FG_PASSED_ONE": "1", "LC_ALL": "C.UTF-8", "PATH": os.Getenv("PATH"),
		"HOME": filepath.Join(out.Dir, "home"), "TMPDIR": filepath.Join(out.Dir, "tmp"),
		"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
		envTestSubject: "env", harness.EnvCase: filepath.Join(out.Dir, "case.json"),
	} {
		if env[k] != want {
			t.Errorf("%s=%q; want %q", k, env[k], want)
		}
	}
	for _, k := range []string{"HTTP_PROXY", "https_proxy", "ALL_PROXY"} {
		if !strings.HasPrefix(env[k], "http://127.0.0.1:") {
			t.Errorf("%s=%q; want the recorder on loopback", k, env[k])
		}
	}
	var extra []string
	for k := range env {
		if !slices.Contains([]string{"FG_PASSED_ONE", "LC_ALL", "PATH", "HOME", "TMPDIR", "GORACE", envTestSubject, harness.EnvCase, "LANG", "TZ"}, k) &&
			!slices.Contains(proxyVars, k) && !strings.HasPrefix(k, "LC_") {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		t.Errorf("the subject got variables nothing lists: %v", extra)
	}
}

// TestExecIsolation: a request through the proxy variables reaches the
// recorder, is refused, and fails the case naming the hosts.
func TestExecIsolation(t *testing.T) {
	t.Parallel()
	s := openExec(t, testSubject(t, harness.Oneshot, "reach-out", 10*time.Second, nil), harness.Oneshot)
	out, err := s.Start(context.Background(), execCase("reach-out"))
	if err != nil {
		t.Fatal(err)
	}
	wantFailure(t, out, "protocol violation: isolation: tried to reach 1.1.1.1, example.com:443 through the proxy the harness set")
}

// TestExecKeptFolderIsScrubbed: a kept case folder holds no secret a
// subject wrote into it, and nothing that is not a regular file or folder.
func TestExecKeptFolderIsScrubbed(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	s, err := testSubject(t, harness.Oneshot, "leaks", 10*time.Second, nil).Surface(harness.Oneshot, ScratchRoot(root), KeepDir())
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Start(context.Background(), execCase("leaks"))
	if err != nil || out.Failure != "" {
		t.Fatalf("Start = %v, %q", err, out.Failure)
	}
	notes, err := os.ReadFile(filepath.Join(out.Dir, "home", "notes.txt"))
	if err != nil || string(notes) != "key="+fakes.Redacted+"\n" {
		t.Errorf("home/notes.txt = %q, %v; want the key redacted", notes, err)
	}
	if _, err := os.Lstat(filepath.Join(out.Dir, "home", "link")); !os.IsNotExist(err) {
		t.Errorf("home/link: %v; want the symbolic link removed", err)
	}
	got := harness.Leaks(out, nil)
	want := []string{"an API key issued by the fakes appears in stdout (base64)", "an API key issued by the fakes appears in stderr (upper-case)"}
	if !slices.Equal(got, want) {
		t.Errorf("Leaks = %q; want %q", got, want)
	}
}

// TestExecHostileGatewayStreams: the gateway's events, stderr and stdout
// are bounded and checked for secrets like any surface's.
func TestExecHostileGatewayStreams(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode, want string
		died       bool
		leaks      []string
	}{
		{mode: "gateway-unknown-id-event", died: true, want: `protocol violation: events.jsonl:1: event for unknown request id "nobody" (not in flight)`},
		{mode: "gateway-stderr-flood", died: true, want: "output flood: more than 1048576 bytes on the gateway's stderr since the last reply; process group killed"},
		{mode: "gateway-events-long-line", died: true, want: "protocol violation: events.jsonl:1: line longer than the protocol's 65536 bytes; process group killed"},
		{mode: "gateway-events-huge", died: true, want: `more than 1048576 bytes of events for request "r1" (the protocol's bound); process group killed`},
		{mode: "gateway-reply-long-line", died: true, want: "protocol violation: gateway stdout:1: line longer than 1048576 bytes; process group killed"},
		{mode: "gateway-stdout-flood", died: true, want: "output flood: more than 2097152 bytes on the gateway's stdout for 1 request(s); process group killed"},
		{mode: "gateway-stderr-leak", leaks: []string{"an API key issued by the fakes appears in gateway stderr"}},
		{mode: "gateway-reply-leak", want: "protocol violation", leaks: []string{"an API key issued by the fakes appears in gateway stdout"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			s := openExec(t, testSubject(t, harness.Gateway, tc.mode, 10*time.Second, nil), harness.Gateway)
			out, err := s.Start(context.Background(), execCase(tc.mode))
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != "" {
				wantFailure(t, out, tc.want)
			}
			if out.GatewayDied != tc.died {
				t.Errorf("GatewayDied = %t; want %t (failure %q)", out.GatewayDied, tc.died, out.Failure)
			}
			got := harness.Leaks(out, nil)
			closeErr := s.Close()
			if tc.mode == "gateway-stderr-leak" && len(got) == 0 && closeErr != nil &&
				strings.Contains(closeErr.Error(), "R16: an API key issued by the fakes appears in the gateway's stderr after its last reply") {
				// The stderr line lost the race with the reply on the
				// other pipe: the gateway's Close reports it instead.
				got = tc.leaks
			}
			if !slices.Equal(got, tc.leaks) {
				t.Errorf("Leaks = %q (Close: %v); want %q", got, closeErr, tc.leaks)
			}
		})
	}
}
