package exec

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// hostileKey is shaped as the fakes' keys, so that the detector finds it.
const hostileKey = "fgk-0123456789abcdef0123456789abcdef"

// runHostileSubject runs the subject modes of hostile_test.go.
func runHostileSubject(mode string) (int, bool) {
	c, err := readTestCase()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1, true
	}
	switch mode {
	case "events-fifo":
		// Turns its events file into a FIFO no one writes to: a blocking
		// open would hang the harness.
		_ = os.Remove(c.Events)
		if err := syscall.Mkfifo(c.Events, 0o600); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1, true
		}
	case "events-symlink":
		_ = os.Remove(c.Events)
		_ = os.Symlink("/dev/zero", c.Events)
	case "events-huge":
		f, _ := os.OpenFile(c.Events, os.O_WRONLY|os.O_APPEND, 0)
		line := []byte(`{"event":"started","provider":"p","model":"` + strings.Repeat("m", 60<<10) + `","landed_at":-1,"remaining":[]}` + "\n")
		for range 40 {
			f.Write(line)
		}
		f.Close()
	case "events-long-line":
		_ = appendLine(c.Events, []byte(`{"event":"started","provider":"p","model":"`+strings.Repeat("m", 100<<10)+`","landed_at":-1,"remaining":[]}`))
	case "reach-out":
		// Honours the proxy variables, as most HTTP clients do.
		client := &http.Client{Timeout: 5 * time.Second}
		if resp, err := client.Get("http://1.1.1.1/"); err == nil {
			resp.Body.Close()
		}
		if resp, err := client.Get("https://example.com/"); err == nil {
			resp.Body.Close()
		}
		_ = appendLine(c.Events, startedEvent("", c.ID))
	case "env":
		env := os.Environ()
		sort.Strings(env)
		fmt.Print(strings.Join(env, "\n"))
		_ = appendLine(c.Events, startedEvent("", c.ID))
	case "leaks":
		fmt.Println("base64 " + base64.StdEncoding.EncodeToString([]byte(hostileKey)))
		fmt.Fprintln(os.Stderr, strings.ToUpper(hostileKey))
		_ = appendLine(c.Events, startedEvent("", c.ID))
		_ = os.WriteFile(filepath.Join(c.Home, "notes.txt"), []byte("key="+hostileKey+"\n"), 0o600)
		_ = os.Symlink("/etc/passwd", filepath.Join(c.Home, "link"))
	default:
		return 0, false
	}
	return 0, true
}
