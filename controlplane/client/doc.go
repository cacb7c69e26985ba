// Package client is the Go client of the control plane's HTTP API, used by
// the edgescore CLI (push, rollout, metrics) and by the API tests. It decodes
// responses leniently (a newer server may add fields) and returns every
// non-2xx answer as an *APIError carrying the server's code and message.
package client
