// Package receivers builds the policy's notification receivers: each kind
// from its package, with its secrets read from the environment variables
// or files the policy names (never from the policy itself).
package receivers

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/notify/console"
	"github.com/aksupgrade/aksupgrade/internal/notify/email"
	"github.com/aksupgrade/aksupgrade/internal/notify/shoutrrr"
	"github.com/aksupgrade/aksupgrade/internal/notify/slack"
	"github.com/aksupgrade/aksupgrade/internal/notify/teams"
	"github.com/aksupgrade/aksupgrade/internal/notify/webhook"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

// Env is where secrets come from.
type Env struct {
	Getenv   func(string) string
	ReadFile func(string) ([]byte, error)
	// Console is where console receivers write.
	Console io.Writer
}

// OS is the process environment and file system, with console receivers
// writing to stdout.
func OS() Env { return Env{Getenv: os.Getenv, ReadFile: os.ReadFile, Console: os.Stdout} }

// Build returns the policy's receivers by name. A receiver that cannot be
// built (its secret is not set, say) is returned as one whose every send
// fails, retryably, with the reason: its messages wait in the outbox until
// the service is restarted with the secret in place. problems lists them,
// for the log.
func Build(n *policy.Notifications, env Env) (rs map[string]notify.Receiver, problems []error) {
	rs = map[string]notify.Receiver{}
	if n == nil {
		return rs, nil
	}
	for _, r := range n.Receivers {
		rc, err := build(r, env)
		if err != nil {
			err = fmt.Errorf("receiver %s: %w", r.Name, err)
			problems = append(problems, err)
			rc = unavailable{name: r.Name, err: err}
		}
		rs[r.Name] = rc
	}
	return rs, problems
}

// unavailable stands for a receiver that could not be built.
type unavailable struct {
	name string
	err  error
}

func (u unavailable) Name() string { return u.name }

func (u unavailable) Send(context.Context, notify.Message) error {
	return &notify.SendError{Receiver: u.name, Retryable: true, Err: u.err}
}

// One builds the named receiver alone, so one receiver can be checked
// while others still lack their secrets. ok is false when the policy has
// no receiver of that name.
func One(n *policy.Notifications, name string, env Env) (r notify.Receiver, ok bool, err error) {
	if n == nil {
		return nil, false, nil
	}
	for _, pr := range n.Receivers {
		if pr.Name == name {
			rc, err := build(pr, env)
			if err != nil {
				return nil, true, fmt.Errorf("receiver %s: %w", name, err)
			}
			return rc, true, nil
		}
	}
	return nil, false, nil
}

func build(r policy.Receiver, env Env) (notify.Receiver, error) {
	switch r.Kind {
	case "console":
		return console.New(r.Name, console.Config{Out: env.Console})
	case "email":
		e := r.Email
		password := ""
		if e.Username != "" {
			p, err := secret(env, "password", e.PasswordEnv, e.PasswordFile)
			if err != nil {
				return nil, err
			}
			password = p
		}
		return email.New(r.Name, email.Config{Host: e.Host, Port: e.Port, Username: e.Username, Password: password, From: e.From, To: e.To, Insecure: e.Insecure})
	}
	url, err := secret(env, "URL", r.URLEnv, r.URLFile)
	if err != nil {
		return nil, err
	}
	switch r.Kind {
	case "slack":
		return slack.New(r.Name, slack.Config{URL: url})
	case "teams":
		return teams.New(r.Name, teams.Config{URL: url})
	case "shoutrrr":
		return shoutrrr.New(r.Name, shoutrrr.Config{URL: url})
	case "webhook":
		headers := map[string]string{}
		for h, v := range r.Headers {
			val := env.Getenv(v)
			if val == "" {
				return nil, fmt.Errorf("header %s: environment variable %s is not set", h, v)
			}
			headers[h] = val
		}
		return webhook.New(r.Name, webhook.Config{URL: url, Headers: headers})
	}
	return nil, fmt.Errorf("unknown receiver kind %q", r.Kind)
}

// secret reads a secret from the environment variable or the file named.
// Errors name where it was looked for, never the value.
func secret(env Env, what, envName, file string) (string, error) {
	if envName != "" {
		v := strings.TrimSpace(env.Getenv(envName))
		if v == "" {
			return "", fmt.Errorf("the %s is read from environment variable %s, which is not set", what, envName)
		}
		return v, nil
	}
	b, err := env.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("the %s is read from file %s: %v", what, file, err)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("the %s file %s is empty", what, file)
	}
	return v, nil
}
