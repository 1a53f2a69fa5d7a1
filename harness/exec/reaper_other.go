//go:build unix && !linux

package exec

import "errors"

func setSubreaper() error { return errors.New("no child subreaper on this system") }

func sweep(int) []stray { return nil }
