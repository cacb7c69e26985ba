package profile

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"math"
	"slices"
	"time"

	"github.com/edgescore/edgescore/module/shopper"
)

// Kinds of cookie values; a value of one kind never opens as another.
const (
	KindProfile = 'p'
	KindSession = 's'
)

// Limits of a profile, which bound the cookie's size (well under 4 KiB).
const (
	MaxAffinities = 4
	MaxIDLen      = 64
	MaxCategory   = 64
)

// Profile is what the cookie remembers about a shopper: an id and their
// purchase history in the BG/NBD and Gamma-Gamma quantities. Money is kept
// to the cent.
type Profile struct {
	ShopperID string
	// Purchases is the number of purchases (Frequency + 1); FirstDay and
	// LastDay (days since the Unix epoch) are valid only when it is > 0.
	Purchases         int
	FirstDay, LastDay int64
	// TotalSpend is the sum of all purchases; RepeatSpend of all but the
	// first (its mean is Gamma-Gamma's average order value).
	TotalSpend, RepeatSpend float64
	// Affinities are the categories with the highest spend, highest first.
	Affinities []Affinity
}

// Affinity is the spend in one category.
type Affinity struct {
	Category string
	Spend    float64
}

// Day returns the day number (days since the Unix epoch, UTC) of t.
func Day(t time.Time) int64 { return t.Unix() / 86400 }

// NewShopperID returns a random shopper id: 16 characters of base64url
// (96 random bits).
func NewShopperID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// AddPurchase records a purchase of value on day, with its spend by
// category (which may be empty).
func (p *Profile) AddPurchase(day int64, value float64, byCategory []Affinity) {
	value = cents(value)
	if p.Purchases == 0 {
		p.FirstDay, p.LastDay = day, day
	} else {
		p.RepeatSpend += value
		if day > p.LastDay {
			p.LastDay = day
		}
		if day < p.FirstDay {
			p.FirstDay = day
		}
	}
	p.Purchases++
	p.TotalSpend += value
	for _, c := range byCategory {
		if c.Category == "" || len(c.Category) > MaxCategory || !(c.Spend > 0) {
			continue
		}
		i := slices.IndexFunc(p.Affinities, func(a Affinity) bool { return a.Category == c.Category })
		if i < 0 {
			p.Affinities = append(p.Affinities, Affinity{Category: c.Category})
			i = len(p.Affinities) - 1
		}
		p.Affinities[i].Spend += cents(c.Spend)
	}
	slices.SortStableFunc(p.Affinities, func(a, b Affinity) int {
		switch {
		case a.Spend > b.Spend:
			return -1
		case a.Spend < b.Spend:
			return 1
		}
		return 0
	})
	if len(p.Affinities) > MaxAffinities {
		p.Affinities = p.Affinities[:MaxAffinities]
	}
}

// FillHistory sets h from the profile as of day today: frequency, recency
// and tenure in days, average repeat order value, total spend and
// affinities as shares of spend. A profile without purchases leaves h's
// fields missing (the shopper is known but has never bought).
func (p *Profile) FillHistory(h *shopper.History, today int64) {
	if p.Purchases == 0 {
		return
	}
	h.Frequency = float64(p.Purchases - 1)
	h.Recency = float64(p.LastDay - p.FirstDay)
	h.Tenure = float64(max(today-p.FirstDay, p.LastDay-p.FirstDay))
	if p.Purchases > 1 {
		h.AvgOrderValue = p.RepeatSpend / float64(p.Purchases-1)
	}
	h.TotalSpend = p.TotalSpend
	if p.TotalSpend > 0 {
		for _, a := range p.Affinities {
			h.Affinities = append(h.Affinities, shopper.Affinity{Category: a.Category, Score: a.Spend / p.TotalSpend})
		}
	}
}

func cents(v float64) float64 {
	if !(v > 0) || math.IsInf(v, 0) {
		return 0
	}
	return math.Round(v*100) / 100
}

func toCents(v float64) uint64 {
	if !(v > 0) {
		return 0
	}
	return uint64(math.Round(min(v, 1e12) * 100))
}

// EncodeProfile returns the signed cookie value of p, issued at now.
func (k *Keyring) EncodeProfile(p *Profile, now time.Time) string {
	b := make([]byte, 0, 64+len(p.ShopperID))
	b = binary.AppendUvarint(b, uint64(now.Unix()))
	b = appendString(b, p.ShopperID)
	b = binary.AppendUvarint(b, uint64(p.Purchases))
	if p.Purchases > 0 {
		b = binary.AppendUvarint(b, uint64(max(p.FirstDay, 0)))
		b = binary.AppendUvarint(b, uint64(max(p.LastDay-p.FirstDay, 0)))
		b = binary.AppendUvarint(b, toCents(p.TotalSpend))
		b = binary.AppendUvarint(b, toCents(p.RepeatSpend))
		n := min(len(p.Affinities), MaxAffinities)
		b = binary.AppendUvarint(b, uint64(n))
		for _, a := range p.Affinities[:n] {
			b = appendString(b, a.Category)
			b = binary.AppendUvarint(b, toCents(a.Spend))
		}
	}
	return k.seal(KindProfile, b)
}

// DecodeProfile verifies value and fills p (reusing its Affinities'
// capacity). On any error p is reset and the shopper must be treated as
// new.
func (k *Keyring) DecodeProfile(value string, now time.Time, p *Profile) error {
	aff := p.Affinities[:0]
	*p = Profile{Affinities: aff}
	body, err := k.open(KindProfile, value)
	if err != nil {
		return err
	}
	r := reader{b: body}
	issued := r.uvarint()
	id := r.string(MaxIDLen)
	purchases := r.uvarint()
	if r.bad || id == "" || purchases > 1<<20 {
		return ErrMalformed
	}
	q := Profile{ShopperID: id, Purchases: int(purchases), Affinities: aff}
	if purchases > 0 {
		q.FirstDay = int64(r.uvarint())
		q.LastDay = q.FirstDay + int64(r.uvarint())
		q.TotalSpend = float64(r.uvarint()) / 100
		q.RepeatSpend = float64(r.uvarint()) / 100
		n := r.uvarint()
		if n > MaxAffinities {
			return ErrMalformed
		}
		for range n {
			c := r.string(MaxCategory)
			s := float64(r.uvarint()) / 100
			if c == "" {
				r.bad = true
			}
			q.Affinities = append(q.Affinities, Affinity{Category: c, Spend: s})
		}
		if q.FirstDay > 1<<24 || q.LastDay > 1<<24 {
			r.bad = true
		}
	}
	if r.bad || len(r.b) != 0 {
		return ErrMalformed
	}
	if err := k.checkIssued(int64(issued), now); err != nil {
		return err
	}
	*p = q
	return nil
}

// Session is the current visit: when it started and how many pages it has
// seen. A session lapses after SessionIdle without a page view.
type Session struct {
	Start     int64 // unix seconds
	Last      int64 // unix seconds of the last page view
	Pageviews int
}

// SessionIdle ends a session.
const SessionIdle = 30 * time.Minute

// EncodeSession returns the signed cookie value of s, issued at now.
func (k *Keyring) EncodeSession(s Session, now time.Time) string {
	b := make([]byte, 0, 24)
	b = binary.AppendUvarint(b, uint64(now.Unix()))
	b = binary.AppendUvarint(b, uint64(max(s.Start, 0)))
	b = binary.AppendUvarint(b, uint64(max(s.Last-s.Start, 0)))
	b = binary.AppendUvarint(b, uint64(max(s.Pageviews, 0)))
	return k.seal(KindSession, b)
}

// DecodeSession verifies value. A session idle for longer than SessionIdle
// is returned as ErrExpired.
func (k *Keyring) DecodeSession(value string, now time.Time) (Session, error) {
	body, err := k.open(KindSession, value)
	if err != nil {
		return Session{}, err
	}
	r := reader{b: body}
	issued := r.uvarint()
	start := r.uvarint()
	last := start + r.uvarint()
	pv := r.uvarint()
	if r.bad || len(r.b) != 0 || start > 1<<40 || pv > 1<<20 {
		return Session{}, ErrMalformed
	}
	if err := k.checkIssued(int64(issued), now); err != nil {
		return Session{}, err
	}
	if now.Sub(time.Unix(int64(last), 0)) > SessionIdle {
		return Session{}, ErrExpired
	}
	return Session{Start: int64(start), Last: int64(last), Pageviews: int(pv)}, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// reader reads uvarints and strings, remembering the first failure.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) uvarint() uint64 {
	if r.bad {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) string(max int) string {
	n := r.uvarint()
	if r.bad || n > uint64(max) || n > uint64(len(r.b)) {
		r.bad = true
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
