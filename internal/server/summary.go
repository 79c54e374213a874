package server

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// summarize says in a line what an event means. Typed AKS events are
// described by their payload; others by their type.
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
	t := e.Type
	if i := strings.LastIndexByte(t, '.'); i >= 0 && strings.HasPrefix(t, "aksupgrade.") {
		t = strings.ReplaceAll(t[len("aksupgrade."):], ".", " ")
	}
	if who != "" {
		return t + " (" + who + ")"
	}
	return t
}
