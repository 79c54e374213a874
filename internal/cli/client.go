package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade/internal/server"
)

// DefaultServer is where the commands that talk to `aksupgrade serve`
// look for it unless --server or AKSUPGRADE_SERVER says otherwise.
const DefaultServer = "http://127.0.0.1:8080"

// client talks to a running server's JSON API.
type client struct {
	base string
	http *http.Client
}

func serverFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVar(dst, "server", envOr("AKSUPGRADE_SERVER", DefaultServer), "URL of `aksupgrade serve` (env AKSUPGRADE_SERVER)")
}

func lookupEnv(k string) string { return os.Getenv(k) }

func newClient(base string) (*client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server %q is not a URL such as %s", base, DefaultServer)
	}
	return &client{base: strings.TrimRight(base, "/"), http: &http.Client{Timeout: 30 * time.Second}}, nil
}

// do sends a request and decodes the JSON answer into out; an error answer
// becomes an error with the server's message.
func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return failure("cannot reach the aksupgrade server at %s: %v\nStart it with `aksupgrade serve`, or point --server (AKSUPGRADE_SERVER) at it.", c.base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var p server.Problem
		if json.Unmarshal(data, &p) == nil && p.Error != "" {
			return failure("%s", p.Error)
		}
		return failure("the server answered %s", resp.Status)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// who is the person an operator action is recorded as: --by, else the
// login name.
func who(by string) string {
	if by != "" {
		return by
	}
	for _, k := range []string{"AKSUPGRADE_USER", "USER", "USERNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "unknown"
}
