// Package history holds the release history of AKS as data: which
// Kubernetes minors AKS offered and when (preview, GA, end of community
// support, end of platform support, end of LTS), every patch the sources
// name with the day AKS made it available, and the Linux node images the
// release notes name. A backtest replays it on a simulated fleet.
//
// [Load] reads aks-releases.json, embedded in the binary; [Parse] reads a
// file of the same shape (a user's --history FILE) and checks it strictly:
// every error names the entry and the field. The file's "sources" and
// "notes" say where each date comes from and where the sources disagree.
//
// # Dates and precision
//
// Every date is a UTC day. Not every day is known, so each date has a
// [Precision]: [PrecisionDay]; [PrecisionMonth], written as the first day of
// the month for a start and the last day for an end; [PrecisionAtLatest],
// available on or before the day; [PrecisionAtEarliest], not available
// before the day. A replay that needs a single instant uses the day as
// written and may look at the precision to decide how much to trust it.
//
// # Events and regions
//
// [History.Events] lists every release in a time span in order: a minor's
// preview, a minor's GA, a patch, a node image. Each event's day is when
// AKS started rolling it out; regions get it later. AKS does not publish
// reliable per-region dates, so [RegionLag] models the delay with a
// documented distribution that is the same for the same seed.
package history
