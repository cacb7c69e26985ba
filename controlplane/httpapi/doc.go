// Package httpapi is the HTTP adapter of the control plane: gin routes that
// authenticate, decode, call controlplane.Service, and encode. It holds no
// logic of its own beyond HTTP semantics (status codes, ETags, caching
// headers, server-sent events); the API is described in
// controlplane/openapi.yaml, which this package serves at /openapi.yaml.
package httpapi
