package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/fallbackgate/fallbackgate/cmd/fallbackgate/cli"
)

func main() {
	cli.Init()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	err := cli.Run(ctx, os.Args[1:], cli.Streams{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(cli.ExitCode(err))
}
