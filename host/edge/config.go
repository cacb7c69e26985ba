package edge

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/edgescore/edgescore/host/edge/profile"
	"github.com/edgescore/edgescore/module/shopper"
)

// Config configures a Server. Start from DefaultConfig.
type Config struct {
	// Origin is the shop the server proxies page requests to; nil serves
	// only the API (every other path is 404).
	Origin *url.URL
	// Budget bounds one decision, waiting for a guest instance included
	// (default 2 ms). A request waits for an instance during the first
	// half of it at most; a call still running at its end is interrupted
	// (the instance is replaced). Either way the request gets the default
	// decision.
	Budget time.Duration
	// Scoring off gives every request the default decision without calling
	// a guest: the same server, for measuring what scoring costs.
	Scoring bool
	// Keys sign and verify the profile and session cookies.
	Keys *profile.Keyring
	// Cookie names and attributes.
	ProfileCookie, SessionCookie, CartCookie string
	CookieDomain                             string
	CookieSecure                             bool
	// Pages map URL paths to a page type, category and SKU; the first
	// pattern that matches wins, and a path no pattern matches is "other".
	Pages []PagePattern
	// Geo names the CDN's request headers; "" skips a field.
	Geo GeoHeaders
	// Group and EdgeID label outcome events.
	Group, EdgeID string
	// DefaultAction is the offer of a default decision.
	DefaultAction string
	Logger        *slog.Logger
	// Now is the clock (tests fix it); nil means time.Now.
	Now func() time.Time
}

// GeoHeaders are the request header names of the CDN's geolocation.
type GeoHeaders struct {
	Country, Region, Lat, Lon string
	// Timezone is an IANA zone name (e.g. Europe/Berlin) giving the
	// shopper's local hour and weekday; without it they are UTC's.
	Timezone string
}

// DefaultPages are the page patterns of DefaultConfig.
var DefaultPages = []string{
	"home=/",
	"category=/c/{category}",
	"product=/p/{category}/{sku}",
	"search=/search",
	"cart=/cart",
	"checkout=/checkout/...",
}

// DefaultConfig returns the defaults: a 2 ms budget, scoring on, cookies
// es_profile, es_session and es_cart, DefaultPages, and Cloudflare's geo
// header names for the country and generic X-Geo-* names for the rest.
func DefaultConfig() Config {
	pages := make([]PagePattern, len(DefaultPages))
	for i, s := range DefaultPages {
		p, err := ParsePagePattern(s)
		if err != nil {
			panic(err)
		}
		pages[i] = p
	}
	return Config{
		Budget: 2 * time.Millisecond, Scoring: true,
		ProfileCookie: "es_profile", SessionCookie: "es_session", CartCookie: "es_cart",
		Pages: pages,
		Geo: GeoHeaders{Country: "CF-IPCountry", Region: "X-Geo-Region", Lat: "X-Geo-Lat", Lon: "X-Geo-Lon",
			Timezone: "X-Geo-Timezone"},
		Group: "default", EdgeID: "edge", DefaultAction: "none",
	}
}

// Validate reports the first unusable setting.
func (c *Config) Validate() error {
	switch {
	case c.Budget <= 0:
		return fmt.Errorf("%w: Budget must be positive", ErrConfig)
	case c.Keys == nil:
		return fmt.Errorf("%w: Keys (the cookie keyring) is required", ErrConfig)
	case c.ProfileCookie == "" || c.SessionCookie == "" || c.CartCookie == "":
		return fmt.Errorf("%w: cookie names must not be empty", ErrConfig)
	case c.Origin != nil && (c.Origin.Scheme == "" || c.Origin.Host == ""):
		return fmt.Errorf("%w: Origin %q is not an absolute URL", ErrConfig, c.Origin)
	case c.DefaultAction == "":
		return fmt.Errorf("%w: DefaultAction must not be empty", ErrConfig)
	}
	return nil
}

// PagePattern maps URL paths to a page type. Its form is
// "<page>=<path pattern>", where the page is one of shopper's page names
// and the pattern is slash-separated segments, each a literal, "*" (any one
// segment), "{category}" or "{sku}" (any one segment, captured), and
// optionally a last "..." (anything further, including nothing).
type PagePattern struct {
	Page shopper.PageType
	src  string
	segs []string
	rest bool
}

// ParsePagePattern parses "<page>=<pattern>".
func ParsePagePattern(s string) (PagePattern, error) {
	name, pat, ok := strings.Cut(s, "=")
	if !ok {
		return PagePattern{}, fmt.Errorf("%w: %q: want <page>=<path>", ErrBadPattern, s)
	}
	pt, ok := shopper.ParsePageType(strings.TrimSpace(name))
	if !ok || pt == shopper.PageUnknown {
		return PagePattern{}, fmt.Errorf("%w: %q: page %q is not one of %s", ErrBadPattern, s, name,
			strings.Join(shopper.PageTypeNames(), ", "))
	}
	pat = strings.TrimSpace(pat)
	if !strings.HasPrefix(pat, "/") {
		return PagePattern{}, fmt.Errorf("%w: %q: the path must start with /", ErrBadPattern, s)
	}
	p := PagePattern{Page: pt, src: s}
	if pat != "/" {
		p.segs = strings.Split(strings.TrimPrefix(pat, "/"), "/")
	}
	for i, seg := range p.segs {
		switch {
		case seg == "...":
			if i != len(p.segs)-1 {
				return PagePattern{}, fmt.Errorf("%w: %q: ... must be last", ErrBadPattern, s)
			}
			p.rest, p.segs = true, p.segs[:i]
		case seg == "":
			return PagePattern{}, fmt.Errorf("%w: %q: empty segment", ErrBadPattern, s)
		case strings.HasPrefix(seg, "{") && seg != "{category}" && seg != "{sku}":
			return PagePattern{}, fmt.Errorf("%w: %q: %s: only {category} and {sku} are captured", ErrBadPattern, s, seg)
		}
	}
	return p, nil
}

// String returns the pattern as it was given.
func (p PagePattern) String() string { return p.src }

// Match reports whether path matches, with the captured category and SKU.
// It does not allocate.
func (p *PagePattern) Match(path string) (category, sku string, ok bool) {
	rest := strings.TrimPrefix(path, "/")
	if len(p.segs) == 0 {
		return "", "", rest == "" || p.rest
	}
	for i, want := range p.segs {
		if rest == "" {
			return "", "", false
		}
		seg := rest
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			seg, rest = rest[:j], rest[j+1:]
		} else {
			rest = ""
		}
		last := i == len(p.segs)-1
		if last && !p.rest && rest != "" {
			return "", "", false
		}
		switch want {
		case "*":
			if seg == "" {
				return "", "", false
			}
		case "{category}":
			category = seg
		case "{sku}":
			sku = seg
		default:
			if seg != want {
				return "", "", false
			}
		}
	}
	if len(category) > shopper.MaxStringLen || len(sku) > shopper.MaxStringLen {
		return "", "", false
	}
	return category, sku, true
}
