package profile

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"sync"
	"time"
)

// Version is the format version byte of every cookie value.
const Version = 1

// TagSize is the length of the truncated HMAC-SHA256 tag.
const TagSize = 16

// MinSecretSize is the shortest secret a Key may have.
const MinSecretSize = 16

// maxValue bounds a cookie value before decoding (browsers keep 4 KiB).
const maxValue = 4096

// Key is one HMAC key with its id.
type Key struct {
	ID     string // 1 to 32 characters of [A-Za-z0-9._-]
	Secret []byte // at least MinSecretSize bytes
}

// Keyring signs with its first key and verifies with any of them. It is
// safe for concurrent use.
type Keyring struct {
	keys   []ringKey
	maxAge time.Duration
}

type ringKey struct {
	id   string
	pool *sync.Pool // of hash.Hash
}

// NewKeyring returns a keyring that signs with keys[0] and accepts values
// signed by any of keys, issued at most maxAge ago.
func NewKeyring(maxAge time.Duration, keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("profile: a keyring needs at least one key")
	}
	if maxAge <= 0 {
		return nil, fmt.Errorf("profile: max age must be positive")
	}
	k := &Keyring{maxAge: maxAge}
	seen := map[string]bool{}
	for i, key := range keys {
		if !validID(key.ID) {
			return nil, fmt.Errorf("profile: keys[%d]: id %q must be 1 to 32 characters of [A-Za-z0-9._-]", i, key.ID)
		}
		if seen[key.ID] {
			return nil, fmt.Errorf("profile: keys[%d]: id %q given twice", i, key.ID)
		}
		seen[key.ID] = true
		if len(key.Secret) < MinSecretSize {
			return nil, fmt.Errorf("profile: key %q: secret is %d bytes, want at least %d", key.ID, len(key.Secret), MinSecretSize)
		}
		secret := append([]byte(nil), key.Secret...)
		k.keys = append(k.keys, ringKey{id: key.ID, pool: &sync.Pool{New: func() any { return hmac.New(sha256.New, secret) }}})
	}
	return k, nil
}

// ParseKeys reads keys written as "id:hexsecret" separated by commas, the
// signing key first (the form of the edge's --cookie-keys flag).
func ParseKeys(s string) ([]Key, error) {
	var keys []Key
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		id, sec, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("profile: key %d: want id:hexsecret", i)
		}
		secret, err := hex.DecodeString(sec)
		if err != nil {
			return nil, fmt.Errorf("profile: key %q: secret is not hex: %v", id, err)
		}
		keys = append(keys, Key{ID: id, Secret: secret})
	}
	return keys, nil
}

func validID(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// KeyID is the id of the signing key.
func (k *Keyring) KeyID() string { return k.keys[0].id }

// MaxAge is how long a value stays valid after it was issued.
func (k *Keyring) MaxAge() time.Duration { return k.maxAge }

// Seal returns the cookie value of body, of the given kind, signed with the
// signing key. body must already start with the issue time (see putHeader).
func (k *Keyring) seal(kind byte, body []byte) string {
	key := &k.keys[0]
	raw := make([]byte, 0, 3+len(key.id)+len(body)+TagSize)
	raw = append(raw, Version, kind, byte(len(key.id)))
	raw = append(raw, key.id...)
	raw = append(raw, body...)
	raw = key.tag(raw, raw)
	return base64.RawURLEncoding.EncodeToString(raw)
}

// open verifies value and returns its body (after the header).
func (k *Keyring) open(kind byte, value string) ([]byte, error) {
	if len(value) == 0 || len(value) > maxValue {
		return nil, ErrMalformed
	}
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return nil, ErrMalformed
	}
	if len(raw) < 3+TagSize || raw[0] != Version || raw[1] != kind {
		return nil, ErrMalformed
	}
	n := int(raw[2])
	if len(raw) < 3+n+TagSize {
		return nil, ErrMalformed
	}
	id := raw[3 : 3+n]
	var key *ringKey
	for i := range k.keys {
		if k.keys[i].id == string(id) {
			key = &k.keys[i]
			break
		}
	}
	if key == nil {
		return nil, ErrUnknownKey
	}
	signed, tag := raw[:len(raw)-TagSize], raw[len(raw)-TagSize:]
	var want [sha256.Size]byte
	if !hmac.Equal(key.tag(want[:0], signed), tag) {
		return nil, ErrBadSignature
	}
	return signed[3+n:], nil
}

// tag appends the truncated HMAC of msg to dst.
func (r *ringKey) tag(dst, msg []byte) []byte {
	h := r.pool.Get().(hash.Hash)
	h.Reset()
	h.Write(msg)
	var sum [sha256.Size]byte
	out := h.Sum(sum[:0])
	r.pool.Put(h)
	return append(dst, out[:TagSize]...)
}

// checkIssued enforces MaxAge and a small allowance for clock skew.
func (k *Keyring) checkIssued(issued int64, now time.Time) error {
	t := time.Unix(issued, 0)
	if t.After(now.Add(5*time.Minute)) || now.Sub(t) > k.maxAge {
		return ErrExpired
	}
	return nil
}
