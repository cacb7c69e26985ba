// Package shopper defines the input of one decision: who the shopper is at the
// moment of the visit — their purchase history, the current session, and where
// and when they are.
//
// The package is plain data with no dependencies so that every host (native Go,
// the wasm guest, the edge server) shares one definition. Missing values are
// explicit (NaN for numbers, "" for strings, Unknown for enumerations) because
// tree models route a missing value differently from a zero.
package shopper
