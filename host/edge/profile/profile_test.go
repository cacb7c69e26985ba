package profile

import (
	"encoding/base64"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/edgescore/edgescore/module/shopper"
)

var (
	now  = time.Date(2025, 11, 24, 12, 0, 0, 0, time.UTC)
	keyA = Key{ID: "a", Secret: []byte("0123456789abcdef0123456789abcdef")}
	keyB = Key{ID: "b", Secret: []byte("fedcba9876543210fedcba9876543210")}
)

func ring(t *testing.T, keys ...Key) *Keyring {
	t.Helper()
	k, err := NewKeyring(400*24*time.Hour, keys...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sample() *Profile {
	p := &Profile{ShopperID: "c0ffee"}
	p.AddPurchase(Day(now)-100, 54.2, []Affinity{{"shoes", 40}, {"socks", 14.2}})
	p.AddPurchase(Day(now)-10, 80, []Affinity{{"hats", 80}})
	return p
}

func TestProfileRoundTrip(t *testing.T) {
	k := ring(t, keyA)
	for _, tc := range []struct {
		name string
		p    *Profile
	}{
		{"new shopper", &Profile{ShopperID: NewShopperID()}},
		{"two purchases", sample()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := k.EncodeProfile(tc.p, now)
			var got Profile
			if err := k.DecodeProfile(v, now.Add(time.Hour), &got); err != nil {
				t.Fatal(err)
			}
			if got.ShopperID != tc.p.ShopperID || got.Purchases != tc.p.Purchases || got.FirstDay != tc.p.FirstDay ||
				got.LastDay != tc.p.LastDay || got.TotalSpend != tc.p.TotalSpend || got.RepeatSpend != tc.p.RepeatSpend ||
				len(got.Affinities) != len(tc.p.Affinities) {
				t.Fatalf("got %+v, want %+v", got, *tc.p)
			}
			if len(v) > 200 {
				t.Errorf("cookie is %d bytes, want compact", len(v))
			}
		})
	}
}

func TestFillHistory(t *testing.T) {
	p := sample()
	var c shopper.Context
	c.Reset()
	p.FillHistory(&c.History, Day(now))
	h := c.History
	if h.Frequency != 1 || h.Recency != 90 || h.Tenure != 100 || h.AvgOrderValue != 80 || math.Abs(h.TotalSpend-134.2) > 1e-9 {
		t.Fatalf("history %+v", h)
	}
	if len(h.Affinities) != 3 || h.Affinities[0].Category != "hats" {
		t.Fatalf("affinities %+v", h.Affinities)
	}
	var n shopper.Context
	n.Reset()
	(&Profile{ShopperID: "x"}).FillHistory(&n.History, Day(now))
	if !shopper.IsMissing(n.History.Frequency) {
		t.Fatal("a profile without purchases must leave history missing")
	}
}

func TestProfileRejects(t *testing.T) {
	k := ring(t, keyA)
	good := k.EncodeProfile(sample(), now)
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x01
		return base64.RawURLEncoding.EncodeToString(b)
	}
	other := ring(t, keyB).EncodeProfile(sample(), now)
	sameIDOtherSecret := ring(t, Key{ID: "a", Secret: keyB.Secret}).EncodeProfile(sample(), now)
	for _, tc := range []struct {
		name  string
		value string
		at    time.Time
		want  error
	}{
		{"empty", "", now, ErrMalformed},
		{"not base64", "%%%", now, ErrMalformed},
		{"truncated", good[:10], now, ErrMalformed},
		{"tag cut", base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1]), now, ErrBadSignature},
		{"body byte flipped", flip(10), now, ErrBadSignature},
		{"tag byte flipped", flip(len(raw) - 1), now, ErrBadSignature},
		{"version flipped", flip(0), now, ErrMalformed},
		{"kind flipped", flip(1), now, ErrMalformed},
		{"unknown key", other, now, ErrUnknownKey},
		{"same id other secret", sameIDOtherSecret, now, ErrBadSignature},
		{"session as profile", k.EncodeSession(Session{Start: now.Unix(), Last: now.Unix(), Pageviews: 1}, now), now, ErrMalformed},
		{"expired", good, now.Add(401 * 24 * time.Hour), ErrExpired},
		{"from the future", good, now.Add(-time.Hour), ErrExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Profile{ShopperID: "stale"}
			err := k.DecodeProfile(tc.value, tc.at, &p)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if p.ShopperID != "" || p.Purchases != 0 {
				t.Fatalf("a rejected cookie left %+v", p)
			}
		})
	}
}

// Rotation: a new signing key is added in front; cookies signed by the old
// key still open, new ones carry the new id.
func TestKeyRotation(t *testing.T) {
	old := ring(t, keyA).EncodeProfile(sample(), now)
	rotated := ring(t, keyB, keyA)
	var p Profile
	if err := rotated.DecodeProfile(old, now, &p); err != nil {
		t.Fatalf("old cookie after rotation: %v", err)
	}
	fresh := rotated.EncodeProfile(&p, now)
	if err := ring(t, keyA).DecodeProfile(fresh, now, &p); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("retired ring opened a new-key cookie: %v", err)
	}
	if rotated.KeyID() != "b" {
		t.Fatal("signing key must be the first")
	}
}

func TestSession(t *testing.T) {
	k := ring(t, keyA)
	s := Session{Start: now.Unix() - 600, Last: now.Unix() - 60, Pageviews: 7}
	v := k.EncodeSession(s, now)
	got, err := k.DecodeSession(v, now)
	if err != nil || got != s {
		t.Fatalf("got %+v, %v", got, err)
	}
	if _, err := k.DecodeSession(v, now.Add(SessionIdle+2*time.Minute)); !errors.Is(err, ErrExpired) {
		t.Fatalf("idle session: %v", err)
	}
}

func TestNewKeyringChecks(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys []Key
	}{
		{"none", nil},
		{"short secret", []Key{{ID: "a", Secret: []byte("short")}}},
		{"bad id", []Key{{ID: "a b", Secret: keyA.Secret}}},
		{"duplicate id", []Key{keyA, keyA}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewKeyring(time.Hour, tc.keys...); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	keys, err := ParseKeys("k2:" + "00112233445566778899aabbccddeeff" + ",k1:" + "ffeeddccbbaa99887766554433221100")
	if err != nil || len(keys) != 2 || keys[0].ID != "k2" {
		t.Fatalf("ParseKeys: %v %v", keys, err)
	}
}

func FuzzDecodeProfile(f *testing.F) {
	k, _ := NewKeyring(time.Hour*24*400, keyA)
	f.Add(k.EncodeProfile(sample(), now))
	f.Add("")
	f.Fuzz(func(t *testing.T, v string) {
		var p Profile
		if err := k.DecodeProfile(v, now, &p); err == nil {
			if p.ShopperID == "" || len(p.Affinities) > MaxAffinities {
				t.Fatalf("accepted an invalid profile %+v", p)
			}
		}
	})
}

func BenchmarkDecodeProfile(b *testing.B) {
	k, _ := NewKeyring(time.Hour*24*400, keyA)
	v := k.EncodeProfile(sample(), now)
	var p Profile
	b.ReportAllocs()
	for b.Loop() {
		if err := k.DecodeProfile(v, now, &p); err != nil {
			b.Fatal(err)
		}
	}
}
