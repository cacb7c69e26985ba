package httpapi_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/controlplane/httpapi"
	"github.com/goccy/go-yaml"
)

// TestOpenAPIMatchesRoutes: the document served at /openapi.yaml describes
// exactly the routes the adapter registers, each with the scope it enforces.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(controlplane.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.yaml does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	param := regexp.MustCompile(`:([a-z]+)`)
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" {
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	for _, r := range httpapi.Routes() {
		f := strings.Fields(r)
		method, path := f[0], param.ReplaceAllString(f[1], "{$1}")
		key := method + " " + path
		if !documented[key] {
			t.Errorf("%s is served but not in openapi.yaml", key)
			continue
		}
		delete(documented, key)
		op, _ := doc.Paths[path][strings.ToLower(method)].(map[string]any)
		want := ""
		if len(f) == 3 {
			want = f[2]
		}
		if got, _ := op["x-scope"].(string); got != want {
			t.Errorf("%s: openapi x-scope %q, the route enforces %q", key, got, want)
		}
	}
	for k := range documented {
		t.Errorf("%s is in openapi.yaml but not served", k)
	}
}
