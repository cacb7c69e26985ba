// Package store defines what the control plane keeps and the interface it keeps
// it through. The control plane's logic (package controlplane) talks only to
// Store; package sqlitestore implements it on an embedded SQLite file, and a
// PostgreSQL store can implement it later and prove itself with the same
// conformance suite (package storetest).
//
// The store is deliberately dumb: rollout plans and manifests are opaque bytes
// to it, events are rows. Validation, signing and every decision belong to the
// control plane, so a second implementation has nothing to re-derive.
package store
