// Package edge is the edgescore edge server: a process in front of a shop
// that knows who each shopper is on page load and tells the shop what to
// show, without slowing the page and without ever breaking it.
//
// Per page request (reverse-proxy mode) the server assembles a
// shopper.Context from the request alone — the signed profile cookie
// (package profile), a session cookie, the cart cookie, the CDN's geo
// headers and the URL, matched against page patterns — picks the
// shopper's arm of the group's manifest (experiment.Bucket and
// experiment.Arm over the manifest's salt and weights), has that arm's
// bundle decide within a budget, and forwards the request to the origin
// with the decision in X-Edgescore-* request headers. POST /v1/decide
// does the same for a JSON context and answers with the decision.
//
// Fail-open: a decision that does not finish within Config.Budget, a guest
// trap, a missing bundle or the kill switch all give the default decision
// (no offer), and the request goes on; every such case is counted by
// reason in /metrics. Client-sent X-Edgescore-* headers are removed, and
// cookies that do not verify are ignored (the shopper is treated as new).
//
// Outcomes: each decision is logged, each page the origin served with it
// is an exposure, and an order the origin reports in the X-Edgescore-Order
// response header is a conversion (and refreshes the profile cookie). All
// go to an outbox (package outbox) that batches, retries and spools.
//
// Bundles arrive from package bundlesync, which calls Server.Apply with
// each verified plan: the server starts one pool of guest instances per
// bundle digest (reusing the pools of digests it already runs), switches
// the arm table atomically, and closes pools no arm uses any more once the
// calls in flight have finished.
package edge
