package aksupgrade

import (
	"fmt"
	"strings"
)

// ChannelsEvent is the payload of EventChannelsSet: the AKS upgrade
// channels aksupgrade changed on a cluster of a stage, from what to what.
type ChannelsEvent struct {
	Cluster string   `json:"cluster"`
	Stage   string   `json:"stage"`
	From    Channels `json:"from"`
	To      Channels `json:"to"`
}

// Describe says what changed and why: "aksupgrade set prod-1's AKS node
// OS channel from NodeImage to None, so that stage prod manages it (policy
// channels.takeOver)".
func (c ChannelsEvent) Describe() string {
	var parts []string
	if c.To.AutoUpgrade != "" {
		parts = append(parts, fmt.Sprintf("auto-upgrade channel from %s to %s", c.From.AutoUpgrade, c.To.AutoUpgrade))
	}
	if c.To.NodeOS != "" {
		parts = append(parts, fmt.Sprintf("node OS channel from %s to %s", c.From.NodeOS, c.To.NodeOS))
	}
	return fmt.Sprintf("aksupgrade set %s's AKS %s, so that stage %s manages it (policy channels.takeOver)",
		ClusterName(c.Cluster), strings.Join(parts, " and "), c.Stage)
}
