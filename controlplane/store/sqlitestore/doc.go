// Package sqlitestore implements store.Store on one embedded SQLite file with
// a pure-Go driver (modernc.org/sqlite): no cgo, no server, one data file plus
// its write-ahead log.
//
// Writes go through a pool of exactly one connection, so they queue in Go
// instead of spinning on SQLite's busy handler; reads use a separate pool that
// WAL mode lets run beside the writer. synchronous=NORMAL is the usual WAL
// setting: a power loss may lose the last transactions but never corrupts the
// file.
package sqlitestore
