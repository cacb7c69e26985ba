package edge

import (
	"bytes"
	"encoding/json"
	"fmt"
)

type rawEvent struct {
	typ string
	raw []byte
}

// splitEvents splits NDJSON or a JSON array into events, each with its
// type, which must be exposure or conversion (decision logs come only from
// the edge itself).
func splitEvents(body []byte) ([]rawEvent, error) {
	var raws []json.RawMessage
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, fmt.Errorf("events: %v", err)
		}
	} else {
		for line := range bytes.SplitSeq(trimmed, []byte{'\n'}) {
			if line = bytes.TrimSpace(line); len(line) > 0 {
				raws = append(raws, json.RawMessage(line))
			}
		}
	}
	if len(raws) == 0 || len(raws) > 1000 {
		return nil, fmt.Errorf("events: want 1 to 1000 events, got %d", len(raws))
	}
	out := make([]rawEvent, 0, len(raws))
	for i, r := range raws {
		var head struct {
			Type    string `json:"type"`
			EventID string `json:"event_id"`
		}
		if err := json.Unmarshal(r, &head); err != nil {
			return nil, fmt.Errorf("events[%d]: not a JSON object: %v", i, err)
		}
		if head.Type != "exposure" && head.Type != "conversion" {
			return nil, fmt.Errorf("events[%d].type: %q is not exposure or conversion", i, head.Type)
		}
		if head.EventID == "" {
			return nil, fmt.Errorf("events[%d].event_id: required (it makes redelivery safe)", i)
		}
		var c bytes.Buffer
		if err := json.Compact(&c, r); err != nil {
			return nil, fmt.Errorf("events[%d]: %v", i, err)
		}
		out = append(out, rawEvent{typ: head.Type, raw: c.Bytes()})
	}
	return out, nil
}
