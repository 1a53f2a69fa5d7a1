package exec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/fallbackgate/fallbackgate/fakes"
)

// The protocol's bounds on what a subject makes the harness read
// (PROTOCOL.md "Events").
const (
	// MaxEvents bounds the events of one case (on the gateway: of one
	// request id).
	MaxEvents = 1 << 20
	// MaxLine bounds one line of an events file.
	MaxLine = 64 << 10
)

// openSubjectFile opens a file a subject could have replaced, for reading,
// without blocking (a FIFO) and without following a symbolic link, and
// accepts only a regular file. The error says what was found instead,
// naming the file by name.
func openSubjectFile(path, name string) (*os.File, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK) {
			return nil, fmt.Errorf("%s is a symbolic link, not a regular file", name)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), path)
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is %s, not a regular file", name, describeMode(fi.Mode()))
	}
	return f, nil
}

func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a regular file (" + m.String() + ")"
}

// readEventsFile reads the events file of one oneshot or cli case within
// the protocol's bounds: at most MaxEvents bytes, lines of at most MaxLine.
func readEventsFile(path string) ([]byte, error) {
	f, err := openSubjectFile(path, "events.jsonl")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxEvents+1))
	if err != nil {
		return nil, fmt.Errorf("events.jsonl: %w", err)
	}
	if len(data) > MaxEvents {
		return nil, fmt.Errorf("events.jsonl holds more than %d bytes of events (the protocol's bound for a case)", MaxEvents)
	}
	if err := checkLines(data); err != nil {
		return nil, err
	}
	return data, nil
}

// checkLines reports the first line of an events file longer than
// MaxLine.
func checkLines(data []byte) error {
	for n := 1; len(data) > 0; n++ {
		line, rest, _ := bytes.Cut(data, []byte("\n"))
		if len(line) > MaxLine {
			return fmt.Errorf("events.jsonl:%d: line of %d bytes, longer than the protocol's %d", n, len(line), MaxLine)
		}
		data = rest
	}
	return nil
}

// maxScrub bounds a file of a kept case folder that scrubKept redacts; a
// larger one is removed.
const maxScrub = 16 << 20

// scrubKept makes a kept case folder safe to keep and upload: every regular
// file a subject could have written is passed through the one redactor
// (fakes.Redact), and what cannot be redacted (a link, a FIFO, a socket, a
// device, a file larger than maxScrub) is removed. It returns the names it
// removed.
func scrubKept(dir string) (removed []string, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		if d.Type().IsRegular() {
			if kept, err := redactFile(path, rel); kept || err != nil {
				return err
			}
		}
		removed = append(removed, rel)
		return os.Remove(path)
	})
	return removed, err
}

// redactFile redacts the regular file at path in place, reading at most
// maxScrub bytes of it; kept is false when it holds more, and then it is
// left for the caller to remove.
func redactFile(path, name string) (kept bool, err error) {
	f, err := openSubjectFile(path, name)
	if err != nil {
		return false, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxScrub+1))
	f.Close()
	if err != nil || len(data) > maxScrub {
		return false, err
	}
	red := fakes.RedactBytes(data)
	if bytes.Equal(red, data) {
		return true, nil
	}
	return true, os.WriteFile(path, red, 0o600)
}
