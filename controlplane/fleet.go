package controlplane

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/edgescore/edgescore/controlplane/store"
)

// Heartbeat is what an edge reports about itself, periodically.
type Heartbeat struct {
	EdgeID string `json:"edge_id"`
	Group  string `json:"group"`
	// Sequence is the manifest sequence the edge runs (0 for none yet).
	Sequence uint64 `json:"sequence"`
	// Bundles are the digests the edge has loaded.
	Bundles []string `json:"bundles"`
	// Version is the edge software's version.
	Version string `json:"version,omitempty"`
}

// HeartbeatReply tells the edge whether it is current.
type HeartbeatReply struct {
	// Sequence is the group's current manifest sequence (0 if none).
	Sequence uint64 `json:"sequence"`
	UpToDate bool   `json:"up_to_date"`
}

// Edge statuses in the fleet view.
const (
	EdgeCurrent = "current" // runs the group's current manifest, heard from recently
	EdgeBehind  = "behind"  // heard from recently, runs an older manifest
	EdgeStale   = "stale"   // not heard from for longer than EdgeStaleAfter
)

// EdgeView is one edge as the fleet view shows it.
type EdgeView struct {
	EdgeID          string    `json:"edge_id"`
	Group           string    `json:"group"`
	Sequence        uint64    `json:"sequence"`
	CurrentSequence uint64    `json:"current_sequence"`
	Behind          uint64    `json:"behind"` // sequences behind the current one
	Bundles         []string  `json:"bundles"`
	Version         string    `json:"version,omitempty"`
	LastSeen        time.Time `json:"last_seen"`
	AgeSeconds      float64   `json:"age_seconds"`
	Status          string    `json:"status"`
}

// GroupFleet summarises the edges of one group.
type GroupFleet struct {
	Group    string `json:"group"`
	Sequence uint64 `json:"sequence"`
	Edges    int    `json:"edges"`
	Current  int    `json:"current"`
	Behind   int    `json:"behind"`
	Stale    int    `json:"stale"`
	// Bundles counts edges per loaded bundle digest.
	Bundles map[string]int `json:"bundles"`
}

// Fleet is the fleet view.
type Fleet struct {
	Groups []GroupFleet `json:"groups"`
	Edges  []EdgeView   `json:"edges"`
}

// RecordHeartbeat stores an edge's report.
func (s *Service) RecordHeartbeat(ctx context.Context, hb Heartbeat) (HeartbeatReply, error) {
	if err := checkName("edge_id", hb.EdgeID); err != nil {
		return HeartbeatReply{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := checkName("group", hb.Group); err != nil {
		return HeartbeatReply{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if len(hb.Bundles) > 16 {
		return HeartbeatReply{}, invalidf("bundles", "at most 16")
	}
	for i, b := range hb.Bundles {
		if !isDigest(b) {
			return HeartbeatReply{}, invalidf(fmt.Sprintf("bundles[%d]", i), "not a sha256 digest")
		}
	}
	if len(hb.Version) > 64 {
		return HeartbeatReply{}, invalidf("version", "longer than 64 characters")
	}
	var cur uint64
	if p, err := s.Manifest(hb.Group); err == nil {
		cur = p.Sequence
	}
	if hb.Sequence > cur {
		return HeartbeatReply{}, fmt.Errorf("%w: sequence %d was never issued to group %q (current %d)",
			ErrConflict, hb.Sequence, hb.Group, cur)
	}
	bundles := hb.Bundles
	if bundles == nil {
		bundles = []string{}
	}
	if err := s.st.PutHeartbeat(ctx, store.Edge{ID: hb.EdgeID, Group: hb.Group, Sequence: hb.Sequence,
		Bundles: bundles, Version: hb.Version, LastSeen: s.now()}); err != nil {
		return HeartbeatReply{}, err
	}
	return HeartbeatReply{Sequence: cur, UpToDate: hb.Sequence == cur}, nil
}

// Fleet returns every edge (of one group, or all when group is "") with how
// far behind and how stale it is.
func (s *Service) Fleet(ctx context.Context, group string) (Fleet, error) {
	es, err := s.st.Edges(ctx, group)
	if err != nil {
		return Fleet{}, err
	}
	now := s.now()
	f := Fleet{Edges: make([]EdgeView, 0, len(es)), Groups: []GroupFleet{}}
	groups := map[string]*GroupFleet{}
	for _, e := range es {
		var cur uint64
		if p, err := s.Manifest(e.Group); err == nil {
			cur = p.Sequence
		}
		v := EdgeView{EdgeID: e.ID, Group: e.Group, Sequence: e.Sequence, CurrentSequence: cur,
			Bundles: e.Bundles, Version: e.Version, LastSeen: e.LastSeen, AgeSeconds: now.Sub(e.LastSeen).Seconds()}
		if cur > e.Sequence {
			v.Behind = cur - e.Sequence
		}
		switch {
		case now.Sub(e.LastSeen) > s.cfg.EdgeStaleAfter:
			v.Status = EdgeStale
		case v.Behind > 0:
			v.Status = EdgeBehind
		default:
			v.Status = EdgeCurrent
		}
		f.Edges = append(f.Edges, v)
		g := groups[e.Group]
		if g == nil {
			g = &GroupFleet{Group: e.Group, Sequence: cur, Bundles: map[string]int{}}
			groups[e.Group] = g
		}
		g.Edges++
		switch v.Status {
		case EdgeCurrent:
			g.Current++
		case EdgeBehind:
			g.Behind++
		case EdgeStale:
			g.Stale++
		}
		for _, b := range e.Bundles {
			g.Bundles[b]++
		}
	}
	for _, g := range groups {
		f.Groups = append(f.Groups, *g)
	}
	sort.Slice(f.Groups, func(i, j int) bool { return f.Groups[i].Group < f.Groups[j].Group })
	return f, nil
}
