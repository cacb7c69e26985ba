package controlplane_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/controlplane"
)

func TestStructuralValidator(t *testing.T) {
	v := controlplane.StructuralValidator{}
	for _, c := range []struct {
		name, in, wantErr string
	}{
		{"ok", `{"propensity": {"gbdt": {}}, "actions": [1, 2]}`, ""},
		{"not an object", `[1]`, "want a JSON object"},
		{"malformed", `{"propensity": `, "malformed"},
		{"duplicate key", `{"propensity": {}, "actions": [{"a": 1, "a": 2}]}`, "bundle.actions[0].a: duplicate key"},
		{"missing required", `{"actions": []}`, "bundle.propensity: required"},
		{"null required", `{"propensity": null}`, "bundle.propensity: required"},
		{"trailing data", `{"propensity": {}} {}`, "after the JSON value"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bin, info, err := v.Validate(context.Background(), []byte(c.in))
			if c.wantErr == "" {
				if err != nil || !json.Valid(bin) || !strings.Contains(info.Validator, "stand-in") {
					t.Fatalf("= %s, %+v, %v", bin, info, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want %q", err, c.wantErr)
			}
		})
	}
}

func TestAssembleXGBoost(t *testing.T) {
	tmpl := `{"name":"t","propensity":{"features":["a"],"gbdt":{"xgboost":{"old":true},"blend":0.5}},"actions":[]}`
	model := `{"learner": {"objective": {"name": "binary:logistic"}}, "version": [2, 0, 0]}`
	got, err := controlplane.AssembleXGBoost([]byte(tmpl), []byte(model))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"t","propensity":{"features":["a"],"gbdt":{"xgboost":{"learner":{"objective":{"name":"binary:logistic"}},"version":[2,0,0]},"blend":0.5}},"actions":[]}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	got, err = controlplane.AssembleXGBoost([]byte(`{"propensity":{}}`), []byte(model))
	if err != nil || string(got) != `{"propensity":{"gbdt":{"xgboost":`+strings.ReplaceAll(strings.ReplaceAll(model, " ", ""), "\n", "")+`}}}` {
		t.Fatalf("template without gbdt: %s, %v", got, err)
	}
	for _, c := range []struct{ name, tmpl, model, wantErr string }{
		{"not a model", tmpl, `{"trees": []}`, "xgboost.learner: required"},
		{"no propensity", `{"name": "t"}`, model, "template.propensity: required"},
		{"bad model JSON", tmpl, `{`, "xgboost: malformed"},
	} {
		if _, err := controlplane.AssembleXGBoost([]byte(c.tmpl), []byte(c.model)); err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.wantErr)
		}
	}
}
