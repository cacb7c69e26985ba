package outbox_test

import (
	"context"
	"fmt"
	"time"

	"github.com/edgescore/edgescore/host/edge/outbox"
)

type printer struct{}

func (printer) Send(_ context.Context, batch []byte, events int) error {
	fmt.Printf("batch of %d: %s", events, batch)
	return nil
}

func Example() {
	o, err := outbox.New(outbox.Config{MaxEvents: 2, FlushInterval: time.Hour}, printer{})
	if err != nil {
		panic(err)
	}
	o.Add([]byte(`{"event_id":"x-1","type":"exposure"}`))
	o.Add([]byte(`{"event_id":"x-2","type":"exposure"}`)) // seals a batch of 2
	o.Add([]byte(`{"event_id":"c-1","type":"conversion"}`))
	o.Close(context.Background()) // flushes the last one
	fmt.Println(o.Stats().Sent, "sent")
	// Output:
	// batch of 2: {"event_id":"x-1","type":"exposure"}
	// {"event_id":"x-2","type":"exposure"}
	// batch of 1: {"event_id":"c-1","type":"conversion"}
	// 3 sent
}
