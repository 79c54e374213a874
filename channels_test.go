package aksupgrade

import "testing"

func TestChannelsEventDescribe(t *testing.T) {
	id := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/prod-1"
	got := ChannelsEvent{Cluster: id, Stage: "prod", From: Channels{AutoUpgrade: "patch", NodeOS: "NodeImage"}, To: Channels{AutoUpgrade: "none", NodeOS: "None"}}.Describe()
	want := "aksupgrade set prod-1's AKS auto-upgrade channel from patch to none and node OS channel from NodeImage to None, so that stage prod manages it (policy channels.takeOver)"
	if got != want {
		t.Errorf("Describe =\n%s\nwant\n%s", got, want)
	}
}
