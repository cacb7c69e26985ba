// Package demo is the one-command demonstration of edgescore (`make run`,
// i.e. `edgescore demo`): a control plane with its SQLite database in a
// local data directory, the reference bundle registered as champion and a
// challenger on a 20% canary, an edge in front of a small shop, and
// synthetic shoppers browsing, filling carts, abandoning and buying through
// the edge, with a live summary of decisions by segment and offer and of
// conversions and profit by variant. The shop stays open in a browser at
// the printed URL and shows each shopper the offer the edge chose.
//
// Everything runs in one process on loopback, each part on its own HTTP
// listener, talking to the others over HTTP exactly as separate processes
// would.
package demo
