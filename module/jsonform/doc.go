// Package jsonform reads and writes the JSON forms of edgescore's data: the
// bundle authoring format (with an embedded XGBoost model), shopper contexts,
// and decisions.
//
// It is kept apart from the packages it serves so that the WebAssembly guest,
// which only sees binary bundles and binary records, links no JSON code.
// Reading is strict: unknown fields, duplicate keys and wrong types are
// errors that name the JSON path.
package jsonform
