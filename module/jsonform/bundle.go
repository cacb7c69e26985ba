package jsonform

import (
	"errors"
	"strings"

	"github.com/edgescore/edgescore/internal/strictjson"
	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/xgboost"
)

// MaxBundleJSON bounds an authoring document.
const MaxBundleJSON = 64 << 20

// ParseBundle reads a bundle in the JSON authoring format: strictly (unknown
// fields and duplicate keys are errors), with the embedded XGBoost model
// imported. It does not compile the bundle; bundle.Compile validates the
// values. Errors are *bundle.Error with a JSON path.
func ParseBundle(data []byte) (*bundle.Spec, error) {
	if len(data) > MaxBundleJSON {
		return nil, &bundle.Error{Offset: -1, Msg: "bundle JSON larger than 64 MiB"}
	}
	var s bundle.Spec
	if err := strictjson.Unmarshal(data, &s); err != nil {
		var je *strictjson.Error
		if errors.As(err, &je) {
			return nil, &bundle.Error{Path: je.Path, Offset: int(je.Offset), Msg: je.Msg, Err: err}
		}
		return nil, &bundle.Error{Offset: -1, Msg: err.Error(), Err: err}
	}
	if g := s.Propensity.GBDT; g != nil {
		if len(g.XGBoost) == 0 {
			return nil, &bundle.Error{Path: "propensity.gbdt.xgboost", Offset: -1, Msg: "an XGBoost JSON model is required"}
		}
		m, err := xgboost.Parse(g.XGBoost)
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "xgboost: ")
			return nil, &bundle.Error{Path: "propensity.gbdt.xgboost", Offset: -1, Msg: msg, Err: err}
		}
		g.Model = m
	}
	return &s, nil
}

// ParseBundleWithModel reads a bundle template and puts an XGBoost model
// (the file save_model wrote) into its propensity.gbdt, replacing any model
// the template embeds. This is how a data scientist ships a retrained model
// without editing the bundle by hand.
func ParseBundleWithModel(template, model []byte) (*bundle.Spec, error) {
	s, err := ParseBundle(template)
	if err != nil {
		return nil, err
	}
	if s.Propensity.GBDT == nil {
		s.Propensity.GBDT = &bundle.GBDT{}
	}
	m, err := xgboost.Parse(model)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "xgboost: ")
		return nil, &bundle.Error{Path: "propensity.gbdt.xgboost", Offset: -1, Msg: msg, Err: err}
	}
	s.Propensity.GBDT.XGBoost = append([]byte(nil), model...)
	s.Propensity.GBDT.Model = m
	return s, nil
}

// LoadBundle parses and compiles a bundle given either as authoring JSON or
// in the binary encoding (recognized by its magic bytes).
func LoadBundle(data []byte) (*bundle.Spec, *bundle.Bundle, error) {
	var (
		s   *bundle.Spec
		err error
	)
	if IsBinary(data) {
		s, err = bundle.Decode(data)
	} else {
		s, err = ParseBundle(data)
	}
	if err != nil {
		return nil, nil, err
	}
	b, err := bundle.Compile(s)
	if err != nil {
		return nil, nil, err
	}
	return s, b, nil
}

// IsBinary reports whether data starts like a binary bundle.
func IsBinary(data []byte) bool { return len(data) >= 4 && string(data[:4]) == "ESBN" }
