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

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/spf13/pflag"

	"github.com/aksupgrade/aksupgrade/internal/server"
)

// DefaultServer is where the commands that talk to `aksupgrade serve`
// look for it unless --server or AKSUPGRADE_SERVER says otherwise.
const DefaultServer = "http://127.0.0.1:8080"

// client talks to a running server's JSON API.
type client struct {
	base  string
	token string
	http  *http.Client
}

// remote is where a command finds the server and how it proves who it
// is: --server, and --token-file (or AKSUPGRADE_TOKEN), or a Microsoft
// Entra ID token for --entra-scope (or AKSUPGRADE_ENTRA_SCOPE) from the
// Azure SDK's DefaultAzureCredential (az login, workload identity, ...).
type remote struct {
	server, tokenFile, entraScope string
	// credential gets Entra ID tokens; nil: DefaultAzureCredential.
	credential azcore.TokenCredential
}

func (rm *remote) flags(fs *pflag.FlagSet) {
	// pflag shows a `quoted` word of the help as the flag's value name:
	// URL and FILE, so that the rest reads as a sentence.
	fs.StringVar(&rm.server, "server", envOr("AKSUPGRADE_SERVER", DefaultServer), "the `URL` of the aksupgrade server to talk to ('aksupgrade serve'), also set by env AKSUPGRADE_SERVER")
	fs.StringVar(&rm.tokenFile, "token-file", "", "the `FILE` holding your API token from 'aksupgrade token new', instead of env AKSUPGRADE_TOKEN")
	fs.StringVar(&rm.entraScope, "entra-scope", envOr("AKSUPGRADE_ENTRA_SCOPE", ""), "sign in with Microsoft Entra ID for this scope, e.g. api://aksupgrade/.default (env AKSUPGRADE_ENTRA_SCOPE)")
}

// entraToken gets an access token for the scope.
func (rm *remote) entraToken(ctx context.Context) (string, error) {
	cred := rm.credential
	if cred == nil {
		c, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return "", fmt.Errorf("sign in to Microsoft Entra ID: %w (try az login)", err)
		}
		cred = c
	}
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{rm.entraScope}})
	if err != nil {
		return "", fmt.Errorf("get a Microsoft Entra ID token for %s: %w (try az login)", rm.entraScope, err)
	}
	return tok.Token, nil
}

// client returns a client of the server with the token, if any.
func (rm *remote) client(ctx context.Context) (*client, error) {
	c, err := newClient(rm.server)
	if err != nil {
		return nil, err
	}
	if rm.entraScope != "" && rm.tokenFile == "" {
		if c.token, err = rm.entraToken(ctx); err != nil {
			return nil, err
		}
		return c, nil
	}
	c.token = strings.TrimSpace(lookupEnv("AKSUPGRADE_TOKEN"))
	if rm.tokenFile != "" {
		b, err := os.ReadFile(rm.tokenFile)
		if err != nil {
			return nil, fmt.Errorf("--token-file: %w", err)
		}
		if c.token = strings.TrimSpace(string(b)); c.token == "" {
			return nil, fmt.Errorf("--token-file %s is empty: put the token that `aksupgrade token new` printed in it", rm.tokenFile)
		}
	}
	return c, nil
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
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
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
