package server

import (
	"github.com/aksupgrade/aksupgrade/internal/eventlog"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// summarize says in a line what an event means, with the domain's one
// describer; an event of a type this version cannot read is described by
// its type and what it is about.
func summarize(e store.Event) string {
	ev, _ := eventlog.Decode(e) // on error ev has no payload: Describe names its type
	return ev.Describe()
}
