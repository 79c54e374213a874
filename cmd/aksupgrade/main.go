// Command aksupgrade keeps fleets of AKS clusters on supported Kubernetes
// versions, stage by stage. See `aksupgrade --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/aksupgrade/aksupgrade/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
