package controlplane

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// BundleValidator turns an uploaded bundle (the core's JSON authoring format)
// into the binary that edges load, or refuses it.
//
// The production implementation decodes strictly (module/jsonform), encodes
// (module/bundle), loads the binary into the real wasm module through the host
// library and scores a set of smoke contexts, refusing any error, NaN or a
// decision outside its ranges. The registry depends only on this interface;
// choosing the implementation is one line in cmd/edgescore/cmd_controlplane.go.
//
// Validate must be deterministic (the same JSON gives the same binary: the
// binary's sha256 is the bundle's identity) and safe for concurrent use. A
// refusal is returned as an error whose message says what is wrong, naming the
// JSON path when there is one; the registry wraps it in ErrUnprocessable.
type BundleValidator interface {
	Validate(ctx context.Context, jsonBundle []byte) (binary []byte, info BundleInfo, err error)
}

// BundleInfo is what a validator learned about a bundle, stored with it and
// shown in the registry. Fields the validator does not know stay empty.
type BundleInfo struct {
	// Validator names the implementation that accepted the bundle, so that
	// the registry shows how deeply each bundle was checked.
	Validator string   `json:"validator"`
	Features  []string `json:"features,omitempty"`
	Actions   []string `json:"actions,omitempty"`
	Variants  []string `json:"variants,omitempty"`
	// SmokeContexts is how many contexts were scored without error.
	SmokeContexts int `json:"smoke_contexts"`
}

// StructuralValidator is a STAND-IN BundleValidator for use until the core's
// bundle encoder and the wasm host library exist. It checks only what can be
// checked without them:
//
//   - the bundle is one JSON object, with no duplicate keys at any depth and
//     nothing after it;
//   - every top-level key in Required is present and not null.
//
// It does NOT decode the bundle into the core's types, compile it, or score
// smoke contexts. Its "binary" is the compacted JSON, so digests computed with
// it differ from those of the real validator. BundleInfo.Validator is
// "structural (stand-in)", visible in every bundle it accepted.
type StructuralValidator struct {
	// Required top-level keys; nil means DefaultRequiredBundleKeys.
	Required []string
}

// DefaultRequiredBundleKeys are the top-level keys StructuralValidator demands
// when none are configured.
var DefaultRequiredBundleKeys = []string{"propensity"}

// Validate implements BundleValidator.
func (v StructuralValidator) Validate(_ context.Context, jsonBundle []byte) ([]byte, BundleInfo, error) {
	if err := checkNoDuplicateKeys(jsonBundle); err != nil {
		return nil, BundleInfo{}, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(jsonBundle, &top); err != nil {
		return nil, BundleInfo{}, fmt.Errorf("bundle: want a JSON object: %v", err)
	}
	req := v.Required
	if req == nil {
		req = DefaultRequiredBundleKeys
	}
	for _, k := range req {
		raw, ok := top[k]
		if !ok || string(raw) == "null" {
			return nil, BundleInfo{}, fmt.Errorf("bundle.%s: required", k)
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, jsonBundle); err != nil {
		return nil, BundleInfo{}, fmt.Errorf("bundle: %v", err)
	}
	return buf.Bytes(), BundleInfo{Validator: "structural (stand-in)"}, nil
}

// checkNoDuplicateKeys walks the JSON token stream and refuses an object that
// names a key twice (encoding/json would silently keep the last one), or any
// data after the value.
func checkNoDuplicateKeys(data []byte) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := walkJSON(d, "bundle"); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return fmt.Errorf("bundle: unexpected data after the JSON value")
	}
	return nil
}

func walkJSON(d *json.Decoder, path string) error {
	tok, err := d.Token()
	if err != nil {
		if err == io.EOF {
			return fmt.Errorf("%s: malformed JSON: unexpected end of input", path)
		}
		return fmt.Errorf("%s: malformed JSON: %v", path, err)
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return fmt.Errorf("%s: malformed JSON: %v", path, err)
			}
			k := kt.(string)
			if seen[k] {
				return fmt.Errorf("%s.%s: duplicate key", path, k)
			}
			seen[k] = true
			if err := walkJSON(d, path+"."+k); err != nil {
				return err
			}
		}
	case json.Delim('['):
		for i := 0; d.More(); i++ {
			if err := walkJSON(d, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	if _, err := d.Token(); err != nil { // the closing delimiter
		return fmt.Errorf("%s: malformed JSON: %v", path, err)
	}
	return nil
}

// AssembleXGBoost builds a bundle from a template and an XGBoost JSON model:
// the template is a bundle in the core's JSON authoring format, and the model
// document (what XGBoost's save_model wrote) becomes its
// propensity.gbdt.xgboost, as jsonform.ParseBundleWithModel does. Other
// members of propensity.gbdt (blend, class) are kept; a model already in the
// template is replaced. Keys keep their template order (a new member goes
// last), so the result reads like the template.
func AssembleXGBoost(template, model []byte) ([]byte, error) {
	if !json.Valid(model) {
		return nil, fmt.Errorf("xgboost: malformed JSON")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(model, &m); err != nil {
		return nil, fmt.Errorf("xgboost: want a JSON object: %v", err)
	}
	if _, ok := m["learner"]; !ok {
		return nil, fmt.Errorf("xgboost.learner: required (is this an XGBoost JSON model?)")
	}
	if err := checkNoDuplicateKeys(template); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	top, order, err := orderedObject(template)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	rawProp, ok := top["propensity"]
	if !ok {
		return nil, fmt.Errorf("template.propensity: required")
	}
	prop, porder, err := orderedObject(rawProp)
	if err != nil {
		return nil, fmt.Errorf("template.propensity: %w", err)
	}
	gbdt, gorder := map[string]json.RawMessage{}, []string(nil)
	if raw, had := prop["gbdt"]; had && string(raw) != "null" {
		if gbdt, gorder, err = orderedObject(raw); err != nil {
			return nil, fmt.Errorf("template.propensity.gbdt: %w", err)
		}
	} else if !had {
		porder = append(porder, "gbdt")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, model); err != nil {
		return nil, fmt.Errorf("xgboost: %v", err)
	}
	if _, had := gbdt["xgboost"]; !had {
		gorder = append(gorder, "xgboost")
	}
	gbdt["xgboost"] = compact.Bytes()
	prop["gbdt"] = encodeOrdered(gbdt, gorder)
	top["propensity"] = encodeOrdered(prop, porder)
	return encodeOrdered(top, order), nil
}

func orderedObject(data []byte) (map[string]json.RawMessage, []string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, nil, fmt.Errorf("want a JSON object: %v", err)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	if _, err := d.Token(); err != nil { // {
		return nil, nil, err
	}
	var order []string
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return nil, nil, err
		}
		order = append(order, k.(string))
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return nil, nil, err
		}
	}
	return m, order, nil
}

func encodeOrdered(m map[string]json.RawMessage, order []string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range order {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(m[k])
	}
	b.WriteByte('}')
	return b.Bytes()
}
