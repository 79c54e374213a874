package server

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// summarize says in a line what an event means. Typed AKS events are
// described by their payload, the engine's events people are told of by
// their message's summary, others by their type.
func summarize(e store.Event) string {
	var raw struct {
		Data json.RawMessage `json:"data"`
	}
	json.Unmarshal(e.Data, &raw)
	var d map[string]any
	json.Unmarshal(raw.Data, &d)
	str := func(k string) string { s, _ := d[k].(string); return s }
	who := e.Subject
	switch e.Type {
	case "Microsoft.ContainerService.NewKubernetesVersionAvailable":
		return fmt.Sprintf("New Kubernetes versions for %s: %s newest, %s stable", who, str("latestSupportedKubernetesVersion"), str("latestStableKubernetesVersion"))
	case "Microsoft.ContainerService.ClusterSupportEnding":
		return fmt.Sprintf("%s runs %s, whose support ends soon", who, str("kubernetesVersion"))
	case "Microsoft.ContainerService.ClusterSupportEnded":
		return fmt.Sprintf("%s runs %s, which is out of support", who, str("kubernetesVersion"))
	case "Microsoft.ContainerService.NodePoolRollingStarted":
		return fmt.Sprintf("Node pool %s of %s started rolling", str("nodePoolName"), who)
	case "Microsoft.ContainerService.NodePoolRollingSucceeded":
		return fmt.Sprintf("Node pool %s of %s finished rolling", str("nodePoolName"), who)
	case "Microsoft.ContainerService.NodePoolRollingFailed":
		return fmt.Sprintf("Node pool %s of %s FAILED to roll", str("nodePoolName"), who)
	case "aksupgrade.NodeImageAvailable":
		return fmt.Sprintf("New node image for pool %s of %s: %s", str("nodePoolName"), who, str("latestNodeImageVersion"))
	}
	if m, ok := notify.FromEvent(e, notify.MessageOptions{}); ok && strings.HasPrefix(e.Type, "aksupgrade.") {
		return m.Summary // the engine's events, as people are told them
	}
	t := e.Type
	if i := strings.LastIndexByte(t, '.'); i >= 0 && strings.HasPrefix(t, "aksupgrade.") {
		t = strings.ReplaceAll(t[len("aksupgrade."):], ".", " ")
	}
	if who != "" {
		return t + " (" + who + ")"
	}
	return t
}
