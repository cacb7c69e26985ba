package controlplane

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/edgescore/edgescore/controlplane/store"
)

// Scope is a permission a token carries.
type Scope string

// Scopes. Admin implies the others.
const (
	// ScopeAdmin: registry writes, rollouts, aliases, tokens.
	ScopeAdmin Scope = "admin"
	// ScopeEdge: manifests, bundle downloads, heartbeats, events.
	ScopeEdge Scope = "edge"
	// ScopeRead: metrics, fleet, registry and rollout reads, audit.
	ScopeRead Scope = "read"
)

func validScope(s Scope) bool { return s == ScopeAdmin || s == ScopeEdge || s == ScopeRead }

// Principal is who a request acts as.
type Principal struct {
	TokenID string
	Name    string
	Scopes  []Scope
	hash    [32]byte
}

// Allows reports whether p may act with scope s.
func (p Principal) Allows(s Scope) bool {
	return slices.Contains(p.Scopes, ScopeAdmin) || slices.Contains(p.Scopes, s)
}

// TokenInfo describes a token; the secret itself is shown only once, when
// it is minted.
type TokenInfo struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Scopes    []Scope    `json:"scopes"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// tokenPrefix starts every secret so that a leaked one is easy to grep for.
const tokenPrefix = "es_"

// AdminTokenFile is where the bootstrap admin token is written, under the
// data directory, with mode 0600.
const AdminTokenFile = "admin.token"

// Authenticate returns the principal of a bearer token. The secret is hashed
// with sha256 and looked up by its hash: the map lookup's timing depends only
// on the hash, which reveals nothing usable about the secret, and the final
// comparison is constant-time.
func (s *Service) Authenticate(secret string) (Principal, error) {
	if secret == "" {
		return Principal{}, fmt.Errorf("%w: missing bearer token", ErrUnauthenticated)
	}
	h := sha256.Sum256([]byte(secret))
	p, ok := (*s.tokens.Load())[h]
	if !ok || subtle.ConstantTimeCompare(p.hash[:], h[:]) != 1 {
		return Principal{}, fmt.Errorf("%w: unknown or revoked token", ErrUnauthenticated)
	}
	return p, nil
}

// Authorize is Authenticate plus a scope check.
func (s *Service) Authorize(secret string, need Scope) (Principal, error) {
	p, err := s.Authenticate(secret)
	if err != nil {
		return p, err
	}
	if !p.Allows(need) {
		return p, fmt.Errorf("%w: token %q lacks scope %q", ErrForbidden, p.Name, need)
	}
	return p, nil
}

// MintRequest asks for a new token.
type MintRequest struct {
	Name   string  `json:"name"`
	Scopes []Scope `json:"scopes"`
}

// MintToken creates a token and returns its secret, which is not stored and
// cannot be shown again.
func (s *Service) MintToken(ctx context.Context, actor string, req MintRequest) (string, TokenInfo, error) {
	if err := checkName("name", req.Name); err != nil {
		return "", TokenInfo{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if len(req.Scopes) == 0 {
		return "", TokenInfo{}, invalidf("scopes", "required: one or more of admin, edge, read")
	}
	for i, sc := range req.Scopes {
		if !validScope(sc) {
			return "", TokenInfo{}, invalidf(fmt.Sprintf("scopes[%d]", i), "%q is not one of admin, edge, read", sc)
		}
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(s.random(32))
	h := sha256.Sum256([]byte(secret))
	scopes := make([]string, len(req.Scopes))
	for i, sc := range req.Scopes {
		scopes[i] = string(sc)
	}
	t := store.Token{ID: hex.EncodeToString(s.random(8)), Name: req.Name, Hash: h[:], Scopes: scopes, CreatedAt: s.now()}
	if err := s.st.PutToken(ctx, t); err != nil {
		return "", TokenInfo{}, err
	}
	if err := s.loadTokens(ctx); err != nil {
		return "", TokenInfo{}, err
	}
	info := tokenInfo(t)
	s.audit(ctx, actor, "token.mint", nil, info)
	return secret, info, nil
}

// Tokens lists every token (never their secrets).
func (s *Service) Tokens(ctx context.Context) ([]TokenInfo, error) {
	ts, err := s.st.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]TokenInfo, len(ts))
	for i, t := range ts {
		out[i] = tokenInfo(t)
	}
	return out, nil
}

// RevokeToken revokes a token at once.
func (s *Service) RevokeToken(ctx context.Context, actor, id string) error {
	if err := s.st.RevokeToken(ctx, id, s.now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("token %q: %w", id, ErrNotFound)
		}
		return err
	}
	s.audit(ctx, actor, "token.revoke", nil, map[string]string{"id": id})
	return s.loadTokens(ctx)
}

// BootstrapAdmin mints an admin token if the store has no token at all and
// writes it to dataDir/admin.token (mode 0600). It returns the secret and
// true when it created one.
func (s *Service) BootstrapAdmin(ctx context.Context, dataDir string) (string, bool, error) {
	ts, err := s.st.Tokens(ctx)
	if err != nil {
		return "", false, err
	}
	if len(ts) > 0 {
		return "", false, nil
	}
	secret, _, err := s.MintToken(ctx, "bootstrap", MintRequest{Name: "admin", Scopes: []Scope{ScopeAdmin}})
	if err != nil {
		return "", false, err
	}
	path := filepath.Join(dataDir, AdminTokenFile)
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("write %s: %w", path, err)
	}
	return secret, true, nil
}

// ReadAdminToken reads the bootstrap token file of dataDir.
func ReadAdminToken(dataDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, AdminTokenFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("no %s in %s: %w", AdminTokenFile, dataDir, err)
	}
	return strings.TrimSpace(string(b)), err
}

func tokenInfo(t store.Token) TokenInfo {
	info := TokenInfo{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt}
	for _, sc := range t.Scopes {
		info.Scopes = append(info.Scopes, Scope(sc))
	}
	if !t.RevokedAt.IsZero() {
		r := t.RevokedAt
		info.RevokedAt = &r
	}
	return info
}

func (s *Service) loadTokens(ctx context.Context) error {
	ts, err := s.st.Tokens(ctx)
	if err != nil {
		return fmt.Errorf("load tokens: %w", err)
	}
	m := make(map[[32]byte]Principal, len(ts))
	for _, t := range ts {
		if !t.RevokedAt.IsZero() || len(t.Hash) != 32 {
			continue
		}
		p := Principal{TokenID: t.ID, Name: t.Name}
		copy(p.hash[:], t.Hash)
		for _, sc := range t.Scopes {
			p.Scopes = append(p.Scopes, Scope(sc))
		}
		m[p.hash] = p
	}
	s.cacheMu.Lock()
	s.tokens.Store(&m)
	s.cacheMu.Unlock()
	return nil
}
