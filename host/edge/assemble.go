package edge

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edgescore/edgescore/host/edge/profile"
	"github.com/edgescore/edgescore/module/shopper"
)

// visit is what the request says about the shopper besides the context:
// whether cookies must be (re)issued.
type visit struct {
	prof       profile.Profile
	newShopper bool // no valid profile cookie: a new id was drawn
	session    profile.Session
	badCookie  string // name of a cookie that was present but did not verify
}

// identify reads the profile and session cookies into v and c. An invalid
// cookie is ignored and counted: the shopper is new, never half-trusted.
func (s *Server) identify(r *http.Request, now time.Time, c *shopper.Context, v *visit) {
	if ck, err := r.Cookie(s.cfg.ProfileCookie); err == nil {
		if err := s.cfg.Keys.DecodeProfile(ck.Value, now, &v.prof); err != nil {
			v.badCookie = s.cfg.ProfileCookie
			s.m.badCookies.Add(1, "profile", cookieReason(err))
		}
	}
	if v.prof.ShopperID == "" {
		v.prof = profile.Profile{ShopperID: profile.NewShopperID(), Affinities: v.prof.Affinities[:0]}
		v.newShopper = true
	} else {
		c.Known = true
		v.prof.FillHistory(&c.History, profile.Day(now))
	}
	c.ShopperID = v.prof.ShopperID

	v.session = profile.Session{Start: now.Unix()}
	if ck, err := r.Cookie(s.cfg.SessionCookie); err == nil {
		if sess, err := s.cfg.Keys.DecodeSession(ck.Value, now); err == nil {
			v.session = sess
		} else if !errors.Is(err, profile.ErrExpired) {
			s.m.badCookies.Add(1, "session", cookieReason(err))
		}
	}
	v.session.Pageviews++
	v.session.Last = now.Unix()
	c.Session.Pageviews = float64(v.session.Pageviews)
	c.Session.Minutes = float64(now.Unix()-v.session.Start) / 60
}

func cookieReason(err error) string {
	switch err {
	case profile.ErrBadSignature:
		return "bad_signature"
	case profile.ErrUnknownKey:
		return "unknown_key"
	case profile.ErrExpired:
		return "expired"
	}
	return "malformed"
}

// assemblePage fills the session and place of c from a page request: URL
// patterns, query, User-Agent, cart cookie and geo headers.
func (s *Server) assemblePage(r *http.Request, now time.Time, c *shopper.Context) {
	c.Session.Page = shopper.PageOther
	for i := range s.cfg.Pages {
		if cat, sku, ok := s.cfg.Pages[i].Match(r.URL.Path); ok {
			c.Session.Page, c.Session.Category, c.Session.SKU = s.cfg.Pages[i].Page, cat, sku
			break
		}
	}
	c.Session.Channel = channel(r)
	c.Session.Device = device(r.UserAgent())
	if ck, err := r.Cookie(s.cfg.CartCookie); err == nil {
		c.Session.Cart = ParseCart(ck.Value, c.Session.Cart)
	}
	s.assemblePlace(r, now, c)
}

// assemblePlace fills whatever of c.Place is missing from the geo headers
// and the clock.
func (s *Server) assemblePlace(r *http.Request, now time.Time, c *shopper.Context) {
	g := &s.cfg.Geo
	p := &c.Place
	if p.Country == "" && g.Country != "" {
		if v := r.Header.Get(g.Country); len(v) == 2 && v != "XX" && v != "T1" {
			p.Country = strings.ToUpper(v)
		}
	}
	if p.Region == "" && g.Region != "" {
		if v := r.Header.Get(g.Region); len(v) <= shopper.MaxStringLen {
			p.Region = v
		}
	}
	if shopper.IsMissing(p.Lat) && g.Lat != "" {
		p.Lat = headerFloat(r, g.Lat, -90, 90)
	}
	if shopper.IsMissing(p.Lon) && g.Lon != "" {
		p.Lon = headerFloat(r, g.Lon, -180, 180)
	}
	if shopper.IsMissing(p.Hour) || shopper.IsMissing(p.Weekday) {
		t := now.UTC()
		if g.Timezone != "" {
			if tz := r.Header.Get(g.Timezone); tz != "" {
				if loc := location(tz); loc != nil {
					t = now.In(loc)
				}
			}
		}
		if shopper.IsMissing(p.Hour) {
			p.Hour = float64(t.Hour())
		}
		if shopper.IsMissing(p.Weekday) {
			p.Weekday = float64((int(t.Weekday()) + 6) % 7) // Monday is 0
		}
	}
}

func headerFloat(r *http.Request, name string, lo, hi float64) float64 {
	v := r.Header.Get(name)
	if v == "" {
		return shopper.Missing
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= lo && f <= hi) {
		return shopper.Missing
	}
	return f
}

// locations caches time zones by name (nil for unknown names), bounded so
// that hostile headers cannot grow it.
var locations sync.Map

func location(name string) *time.Location {
	if v, ok := locations.Load(name); ok {
		return v.(*time.Location)
	}
	if len(name) > 64 {
		return nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		loc = nil
	}
	n := 0
	locations.Range(func(any, any) bool { n++; return n < 1024 })
	if n < 1024 {
		locations.Store(name, loc)
	}
	return loc
}

// channel reads utm_medium (or utm_source) from the query: email, social
// and app map to those channels, anything else is the web.
func channel(r *http.Request) shopper.Channel {
	q := r.URL.RawQuery
	if q == "" || !strings.Contains(q, "utm_") {
		return shopper.ChannelWeb
	}
	m := r.URL.Query()
	for _, v := range []string{m.Get("utm_medium"), m.Get("utm_source")} {
		switch strings.ToLower(v) {
		case "email", "newsletter":
			return shopper.ChannelEmail
		case "social", "facebook", "instagram", "tiktok", "twitter":
			return shopper.ChannelSocial
		case "app":
			return shopper.ChannelApp
		}
	}
	return shopper.ChannelWeb
}

// device classifies a User-Agent coarsely, the way CDNs' device headers do.
func device(ua string) shopper.Device {
	switch {
	case ua == "":
		return shopper.DeviceUnknown
	case strings.Contains(ua, "iPad") || strings.Contains(ua, "Tablet"):
		return shopper.DeviceTablet
	case strings.Contains(ua, "Mobi") || strings.Contains(ua, "Android"):
		return shopper.DeviceMobile
	}
	return shopper.DeviceDesktop
}

// ParseCart reads the cart cookie into lines (appending to dst[:0]). The
// cookie is the shop's: lines separated by "|", each
// "sku~category~qty~unit price" (URL-safe, no quoting needed). Malformed
// lines are skipped; at most shopper.MaxCartLines are kept.
func ParseCart(v string, dst []shopper.CartLine) []shopper.CartLine {
	dst = dst[:0]
	for v != "" && len(dst) < shopper.MaxCartLines {
		line := v
		if i := strings.IndexByte(v, '|'); i >= 0 {
			line, v = v[:i], v[i+1:]
		} else {
			v = ""
		}
		sku, rest, ok1 := strings.Cut(line, "~")
		cat, rest, ok2 := strings.Cut(rest, "~")
		qtyS, priceS, ok3 := strings.Cut(rest, "~")
		if !ok1 || !ok2 || !ok3 || sku == "" || len(sku) > shopper.MaxStringLen || len(cat) > shopper.MaxStringLen {
			continue
		}
		qty, err1 := strconv.ParseFloat(qtyS, 64)
		price, err2 := strconv.ParseFloat(priceS, 64)
		if err1 != nil || err2 != nil || !(qty > 0 && qty < 1e6) || !(price >= 0 && price < 1e9) {
			continue
		}
		dst = append(dst, shopper.CartLine{SKU: sku, Category: cat, Qty: qty, UnitPrice: price})
	}
	return dst
}

// FormatCart is ParseCart's inverse, for shops (and the demo) that set the
// cookie.
func FormatCart(lines []shopper.CartLine) string {
	var b []byte
	for i, l := range lines {
		if i > 0 {
			b = append(b, '|')
		}
		b = append(b, l.SKU...)
		b = append(b, '~')
		b = append(b, l.Category...)
		b = append(b, '~')
		b = strconv.AppendFloat(b, l.Qty, 'f', -1, 64)
		b = append(b, '~')
		b = strconv.AppendFloat(b, l.UnitPrice, 'f', 2, 64)
	}
	return string(b)
}
