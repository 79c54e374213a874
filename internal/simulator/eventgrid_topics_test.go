package simulator

import (
	"context"
	"strings"
	"testing"
	"time"
)

// An event subscription on a cluster's system topic gets that cluster's
// events only; one on the subscription's resource notifications topic
// gets its ScheduledEventEmitted.
func TestSubscriptionPerTopic(t *testing.T) {
	e := newEnv(t, "small.yaml", withEvents)
	aksA, aksB := newReceiver(t, nil), newReceiver(t, nil)
	notices := newReceiver(t, nil)
	subscribe(t, e, EventSubscription{Name: "aks-a", Endpoint: aksA.url(), Topic: "/subscriptions/" + subOne + "/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/aks-a"})
	subscribe(t, e, EventSubscription{Name: "aks-b", Endpoint: aksB.url(), Topic: "/subscriptions/" + subOne + "/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/aks-b"})
	subscribe(t, e, EventSubscription{Name: "notices", Endpoint: notices.url(), Topic: "/subscriptions/" + subOne})
	e.upgradeImage("rg-a", "aks-a", "system")
	e.upgradeImage("rg-a", "aks-b", "apps")
	e.clock.Advance(time.Hour)
	e.sim.DeliverDue(context.Background())
	kinds := func(rc *receiver) string {
		var out []string
		for _, r := range rc.notifications() {
			for _, ev := range eventsIn(t, r) {
				out = append(out, shortType(eventType(ev))+" "+ev["subject"].(string))
			}
		}
		return strings.Join(out, ", ")
	}
	if got := kinds(aksA); got != "NodePoolRollingStarted aks-a, NodePoolRollingSucceeded aks-a" {
		t.Errorf("aks-a's topic delivered %q", got)
	}
	if got := kinds(aksB); got != "NodePoolRollingStarted aks-b, NodePoolRollingFailed aks-b" {
		t.Errorf("aks-b's topic delivered %q", got)
	}
	if got := kinds(notices); !strings.HasPrefix(got, "ScheduledEventEmitted ") || strings.Contains(got, "NodePool") {
		t.Errorf("the subscription's notifications topic delivered %q", got)
	}
}

// Event Grid's at-least-once delivery: a subscription that duplicates,
// delays and reorders gets every event twice, late, newest batch first.
func TestDuplicateLateOutOfOrderDeliveries(t *testing.T) {
	e := newEnv(t, "small.yaml", withEvents)
	rc := newReceiver(t, nil)
	subscribe(t, e, EventSubscription{Name: "chaos", Endpoint: rc.url(), Topic: "/subscriptions/" + subOne + "/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/aks-a",
		Duplicates: true, OutOfOrder: true, Delay: Duration(30 * time.Minute)})
	e.upgradeImage("rg-a", "aks-a", "system") // started now, succeeded at +24m
	e.clock.Advance(25 * time.Minute)
	if e.sim.DeliverDue(context.Background()); len(rc.notifications()) != 0 {
		t.Fatalf("delivered before the delay: %d requests", len(rc.notifications()))
	}
	e.clock.Advance(30 * time.Minute)
	e.sim.DeliverDue(context.Background())
	e.sim.DeliverDue(context.Background()) // the duplicates, due once the first delivery succeeded
	var got []string
	for _, r := range rc.notifications() {
		for _, ev := range eventsIn(t, r) {
			got = append(got, shortType(eventType(ev)))
		}
	}
	count := map[string]int{}
	for _, g := range got {
		count[g]++
	}
	if len(got) != 4 || count["NodePoolRollingStarted"] != 2 || count["NodePoolRollingSucceeded"] != 2 || got[0] != "NodePoolRollingSucceeded" {
		t.Errorf("deliveries %v, want each event twice, the newest first", got)
	}
}
