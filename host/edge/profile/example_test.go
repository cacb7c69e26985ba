package profile_test

import (
	"fmt"
	"time"

	"github.com/edgescore/edgescore/host/edge/profile"
	"github.com/edgescore/edgescore/module/shopper"
)

func Example() {
	keys, _ := profile.NewKeyring(365*24*time.Hour,
		profile.Key{ID: "2025-11", Secret: []byte("a secret of at least sixteen bytes")})
	now := time.Date(2025, 11, 24, 12, 0, 0, 0, time.UTC)

	p := &profile.Profile{ShopperID: "c0ffee"}
	p.AddPurchase(profile.Day(now)-30, 60, []profile.Affinity{{Category: "shoes", Spend: 60}})
	p.AddPurchase(profile.Day(now), 40, nil)
	cookie := keys.EncodeProfile(p, now)

	var back profile.Profile
	if err := keys.DecodeProfile(cookie, now, &back); err != nil {
		panic(err)
	}
	var c shopper.Context
	c.Reset()
	back.FillHistory(&c.History, profile.Day(now))
	fmt.Println(back.ShopperID, c.History.Frequency, c.History.Recency, c.History.AvgOrderValue, c.History.Affinities[0].Category)

	tampered := cookie[:len(cookie)-2] + "AA"
	fmt.Println(keys.DecodeProfile(tampered, now, &back))
	// Output:
	// c0ffee 1 30 40 shoes
	// profile: bad signature
}
