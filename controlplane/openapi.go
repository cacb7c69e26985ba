package controlplane

import (
	_ "embed"
	"slices"
)

//go:embed openapi.yaml
var openapiYAML []byte

// OpenAPI returns the OpenAPI 3 description of the HTTP API (a copy).
func OpenAPI() []byte { return slices.Clone(openapiYAML) }
