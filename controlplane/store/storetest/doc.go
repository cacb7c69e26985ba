// Package storetest is the conformance suite of store.Store: the same cases
// run against every implementation (SQLite now, PostgreSQL later), so each
// one is held to the contracts written in package store.
package storetest
