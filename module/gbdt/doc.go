// Package gbdt scores gradient-boosted tree ensembles (XGBoost's trees) with
// a flat, branch-free layout shaped for Go compiled to WebAssembly.
//
// A Spec (normalized trees, produced by the xgboost importer or the binary
// bundle decoder) is compiled once into an Ensemble: every tree padded to the
// ensemble's depth and stored in heap order in flat arrays. Scoring a row is
// then depth steps of `n = 2n + 1 + (x ≥ threshold)` per tree, four trees per
// loop pass (eight natively for depth ≤ 6), with missing values routed by
// reading one of two copies of the row (missing = +Inf or −Inf) instead of
// testing for NaN at every node.
// ../shared/notes/wasm-performance.md explains why each of these choices pays.
//
// Reason codes use Saabas path contributions (XGBoost's approx_contribs),
// precomputed per leaf at compile time so they cost six adds per tree; with
// Input.TrackContributions, Margins adds them right after each group's walk.
package gbdt
