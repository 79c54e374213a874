package gates

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	aspolicy "github.com/aksupgrade/aksupgrade/internal/policy"
)

// PrometheusScope is the scope of Azure Monitor managed Prometheus's
// query API
// (https://learn.microsoft.com/azure/azure-monitor/metrics/prometheus-api-promql).
const PrometheusScope = "https://prometheus.monitor.azure.com/.default"

// Tokens returns the TokenSource of queries: a bearer token from the
// query's environment variable or file (read at each round, so that a
// rotated secret is used), or for auth azure a token of cred.
func Tokens(cred azcore.TokenCredential, getenv func(string) string) TokenSource {
	return func(ctx context.Context, q aspolicy.Query) (string, error) {
		switch q.Auth {
		case "bearer":
			if q.TokenEnv != "" {
				if v := strings.TrimSpace(getenv(q.TokenEnv)); v != "" {
					return v, nil
				}
				return "", fmt.Errorf("the environment variable %s is empty or not set", q.TokenEnv)
			}
			b, err := os.ReadFile(q.TokenFile)
			if err != nil {
				return "", fmt.Errorf("the token file: %w", err)
			}
			return strings.TrimSpace(string(b)), nil
		case "azure":
			if cred == nil {
				return "", errors.New("no Azure credential")
			}
			tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{PrometheusScope}})
			if err != nil {
				return "", fmt.Errorf("an Azure token for Azure Monitor: %w", err)
			}
			return tok.Token, nil
		}
		return "", fmt.Errorf("auth %q needs no token", q.Auth)
	}
}
