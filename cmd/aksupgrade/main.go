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

// version is the release, stamped by the release build
// (-ldflags "-X main.version=v1.2.3"); empty in a development build,
// which `aksupgrade version` then describes from the build's VCS stamp.
var version string

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr, cli.WithVersion(version))
	stop()
	os.Exit(code)
}
