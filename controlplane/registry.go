package controlplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/edgescore/edgescore/controlplane/store"
)

// UploadRequest is one bundle upload: either Bundle (the core's JSON
// authoring format), or Template and XGBoost (see AssembleXGBoost).
type UploadRequest struct {
	Name     string          `json:"name"`
	Version  string          `json:"version"`
	Author   string          `json:"author,omitempty"` // defaults to the token's name
	Notes    string          `json:"notes,omitempty"`
	Parent   string          `json:"parent,omitempty"` // a bundle reference
	Bundle   json.RawMessage `json:"bundle,omitempty"`
	Template json.RawMessage `json:"template,omitempty"`
	XGBoost  json.RawMessage `json:"xgboost,omitempty"`
}

// BundleMeta describes a stored bundle.
type BundleMeta struct {
	Digest       string     `json:"digest"`
	SourceDigest string     `json:"source_digest"`
	Size         int64      `json:"size"`
	Name         string     `json:"name"`
	Version      string     `json:"version"`
	Author       string     `json:"author"`
	Notes        string     `json:"notes"`
	Parent       string     `json:"parent,omitempty"`
	Info         BundleInfo `json:"info"`
	KeyID        string     `json:"key_id"`
	// Signature is the base64 Ed25519 signature of BundleStatement(Digest).
	Signature string    `json:"signature"`
	CreatedAt time.Time `json:"created_at"`
	// URL is where edges fetch the binary.
	URL string `json:"url"`
}

// Alias is a name for a bundle.
type Alias struct {
	Name      string    `json:"name"`
	Bundle    string    `json:"bundle"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

func (s *Service) meta(b store.Bundle) BundleMeta {
	m := BundleMeta{Digest: b.Digest, SourceDigest: b.SourceDigest, Size: b.Size, Name: b.Name,
		Version: b.Version, Author: b.Author, Notes: b.Notes, Parent: b.Parent, KeyID: b.KeyID,
		Signature: b.Signature, CreatedAt: b.CreatedAt, URL: s.cfg.BlobBaseURL + b.Digest}
	if len(b.Info) > 0 {
		_ = json.Unmarshal(b.Info, &m.Info) // written by us; a failure leaves it empty
	}
	return m
}

// Upload validates a bundle and stores it, signed. Uploading the same
// content again returns the stored bundle with created == false; the same
// name and version with different content is ErrConflict.
func (s *Service) Upload(ctx context.Context, actor string, req UploadRequest) (BundleMeta, bool, error) {
	if err := checkName("name", req.Name); err != nil {
		return BundleMeta{}, false, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := checkName("version", req.Version); err != nil {
		return BundleMeta{}, false, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if len(req.Author) > 200 {
		return BundleMeta{}, false, invalidf("author", "longer than 200 characters")
	}
	if len(req.Notes) > 10000 {
		return BundleMeta{}, false, invalidf("notes", "longer than 10000 characters")
	}
	if req.Author == "" {
		req.Author = actor
	}
	var parent string
	if req.Parent != "" {
		p, err := s.resolve(ctx, req.Parent)
		if err != nil {
			return BundleMeta{}, false, fmt.Errorf("%w: parent: %v", ErrUnprocessable, err)
		}
		parent = p.Digest
	}

	var source []byte
	switch {
	case len(req.Bundle) > 0 && (len(req.Template) > 0 || len(req.XGBoost) > 0):
		return BundleMeta{}, false, invalidf("bundle", "give either bundle, or template and xgboost, not both")
	case len(req.Bundle) > 0:
		source = req.Bundle
	case len(req.Template) > 0 && len(req.XGBoost) > 0:
		var err error
		if source, err = AssembleXGBoost(req.Template, req.XGBoost); err != nil {
			return BundleMeta{}, false, fmt.Errorf("%w: %v", ErrUnprocessable, err)
		}
	case len(req.Template) > 0:
		return BundleMeta{}, false, invalidf("xgboost", "required with template")
	case len(req.XGBoost) > 0:
		return BundleMeta{}, false, invalidf("template", "required with xgboost")
	default:
		return BundleMeta{}, false, invalidf("bundle", "required (or template and xgboost)")
	}
	if int64(len(source)) > s.cfg.MaxBundleBytes {
		return BundleMeta{}, false, fmt.Errorf("%w: bundle is %d bytes, the limit is %d", ErrTooLarge, len(source), s.cfg.MaxBundleBytes)
	}

	vctx, cancel := context.WithTimeout(ctx, time.Minute)
	binary, info, err := s.validator.Validate(vctx, source)
	cancel()
	if err != nil {
		return BundleMeta{}, false, fmt.Errorf("%w: bundle rejected: %v", ErrUnprocessable, err)
	}
	if len(binary) == 0 {
		return BundleMeta{}, false, fmt.Errorf("%w: bundle rejected: validator produced an empty binary", ErrUnprocessable)
	}
	infoJSON, err := json.Marshal(info)
	if err != nil {
		return BundleMeta{}, false, err
	}
	digest := sha256Hex(binary)
	b := store.Bundle{
		Digest: digest, SourceDigest: sha256Hex(source), Size: int64(len(binary)),
		Name: req.Name, Version: req.Version, Author: req.Author, Notes: req.Notes, Parent: parent,
		Info: infoJSON, KeyID: s.signer.KeyID(), Signature: s.signer.Sign(BundleStatement(digest)),
		CreatedAt: s.now(),
	}
	created, err := s.st.PutBundle(ctx, b, source, binary)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return BundleMeta{}, false, fmt.Errorf("%w: %v", ErrConflict, err)
		}
		return BundleMeta{}, false, err
	}
	if !created {
		stored, err := s.st.Bundle(ctx, digest)
		if err != nil {
			return BundleMeta{}, false, err
		}
		return s.meta(stored), false, nil
	}
	s.addKnownBundle(digest)
	s.audit(ctx, actor, "bundle.upload", nil, map[string]string{"digest": digest, "name": b.Name, "version": b.Version})
	return s.meta(b), true, nil
}

// resolve finds a bundle by reference: a 64-hex-digit digest, name@version,
// or an alias. A missing bundle is an error wrapping ErrNotFound.
func (s *Service) resolve(ctx context.Context, ref string) (store.Bundle, error) {
	var b store.Bundle
	var err error
	switch {
	case isDigest(ref):
		b, err = s.st.Bundle(ctx, ref)
	case strings.Contains(ref, "@"):
		name, version, _ := strings.Cut(ref, "@")
		b, err = s.st.BundleByVersion(ctx, name, version)
	case ref == "":
		return b, fmt.Errorf("empty bundle reference: %w", ErrNotFound)
	default:
		var a store.Alias
		if a, err = s.st.Alias(ctx, ref); err == nil {
			b, err = s.st.Bundle(ctx, a.Digest)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return b, fmt.Errorf("bundle %q is not in the registry: %w", ref, ErrNotFound)
	}
	return b, err
}

// Bundle returns the metadata of the bundle ref names (digest,
// name@version or alias).
func (s *Service) Bundle(ctx context.Context, ref string) (BundleMeta, error) {
	b, err := s.resolve(ctx, ref)
	if err != nil {
		return BundleMeta{}, err
	}
	return s.meta(b), nil
}

// Bundles lists every bundle, newest first.
func (s *Service) Bundles(ctx context.Context) ([]BundleMeta, error) {
	bs, err := s.st.Bundles(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]BundleMeta, len(bs))
	for i, b := range bs {
		out[i] = s.meta(b)
	}
	return out, nil
}

// BundleBinary returns the binary stored under digest (only a digest: the
// content-addressed URL must never change meaning).
func (s *Service) BundleBinary(ctx context.Context, digest string) ([]byte, error) {
	if !isDigest(digest) {
		return nil, fmt.Errorf("%q is not a sha256 digest: %w", digest, ErrNotFound)
	}
	data, err := s.st.BundleBinary(ctx, digest)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("bundle %s: %w", digest, ErrNotFound)
	}
	return data, err
}

// BundleSource returns the authoring JSON of the bundle ref names.
func (s *Service) BundleSource(ctx context.Context, ref string) ([]byte, error) {
	b, err := s.resolve(ctx, ref)
	if err != nil {
		return nil, err
	}
	return s.st.BundleSource(ctx, b.Digest)
}

// SetAlias points alias at the bundle ref names.
func (s *Service) SetAlias(ctx context.Context, actor, alias, ref string) (Alias, error) {
	if err := checkName("alias", alias); err != nil {
		return Alias{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if isDigest(alias) || strings.Contains(alias, "@") {
		return Alias{}, invalidf("alias", "must not look like a digest")
	}
	b, err := s.resolve(ctx, ref)
	if err != nil {
		return Alias{}, fmt.Errorf("%w: bundle: %v", ErrUnprocessable, err)
	}
	var from any
	if old, err := s.st.Alias(ctx, alias); err == nil {
		from = map[string]string{"alias": alias, "bundle": old.Digest}
	}
	a := store.Alias{Name: alias, Digest: b.Digest, UpdatedAt: s.now(), UpdatedBy: actor}
	if err := s.st.SetAlias(ctx, a); err != nil {
		return Alias{}, err
	}
	s.audit(ctx, actor, "alias.set", from, map[string]string{"alias": alias, "bundle": b.Digest})
	return Alias{Name: a.Name, Bundle: a.Digest, UpdatedAt: a.UpdatedAt, UpdatedBy: a.UpdatedBy}, nil
}

// Aliases lists every alias.
func (s *Service) Aliases(ctx context.Context) ([]Alias, error) {
	as, err := s.st.Aliases(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Alias, len(as))
	for i, a := range as {
		out[i] = Alias{Name: a.Name, Bundle: a.Digest, UpdatedAt: a.UpdatedAt, UpdatedBy: a.UpdatedBy}
	}
	return out, nil
}

func (s *Service) loadBundles(ctx context.Context) error {
	bs, err := s.st.Bundles(ctx)
	if err != nil {
		return fmt.Errorf("load bundles: %w", err)
	}
	m := make(map[string]struct{}, len(bs))
	for _, b := range bs {
		m[b.Digest] = struct{}{}
	}
	s.bundles.Store(&m)
	return nil
}

func (s *Service) addKnownBundle(digest string) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	old := *s.bundles.Load()
	m := make(map[string]struct{}, len(old)+1)
	for k := range old {
		m[k] = struct{}{}
	}
	m[digest] = struct{}{}
	s.bundles.Store(&m)
}
