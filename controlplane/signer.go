package controlplane

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Signer signs manifests and bundle digests with one Ed25519 key. Edges pin
// its public key. Build it with LoadOrCreateSigner.
type Signer struct {
	priv    ed25519.PrivateKey
	pub     ed25519.PublicKey
	keyID   string
	retired []PublicKey
}

// PublicKey is a public signing key as the API shows it.
type PublicKey struct {
	KeyID string `json:"key_id"`
	// Key is the raw 32-byte Ed25519 public key, base64 (standard, padded).
	Key string `json:"key"`
	// PEM is the same key as a PKIX "PUBLIC KEY" PEM block.
	PEM     string `json:"pem"`
	Current bool   `json:"current"`
}

// Files of the signing key, under the data directory.
const (
	signingDir     = "signing"
	privateKeyFile = "ed25519.key" // PKCS#8 PEM, mode 0600
	publicKeyFile  = "ed25519.pub" // PKIX PEM
	retiredDir     = "retired"     // <key id>.pub of rotated-out keys
)

// KeyID is the identifier of a public key: the first 16 hex digits of the
// sha256 of its 32 raw bytes.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// LoadOrCreateSigner loads the signing key from dataDir/signing, creating a
// new key pair on first start. The private key file is written with mode 0600
// and refused if its mode lets anyone but the owner read it.
func LoadOrCreateSigner(dataDir string) (*Signer, error) {
	dir := filepath.Join(dataDir, signingDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	privPath := filepath.Join(dir, privateKeyFile)
	if _, err := os.Stat(privPath); errors.Is(err, fs.ErrNotExist) {
		if err := createKey(dir); err != nil {
			return nil, err
		}
	}
	st, err := os.Stat(privPath)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("signing key %s: mode %v lets others read it; chmod 600 it", privPath, st.Mode().Perm())
	}
	data, err := os.ReadFile(privPath)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("signing key %s: not a PEM PRIVATE KEY", privPath)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", privPath, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s: %T is not an Ed25519 key", privPath, k)
	}
	s := &Signer{priv: priv, pub: priv.Public().(ed25519.PublicKey)}
	s.keyID = KeyID(s.pub)
	s.retired, err = loadRetired(filepath.Join(dir, retiredDir))
	if err != nil {
		return nil, err
	}
	return s, nil
}

// NewSigner wraps an existing private key (tests, or keys kept elsewhere).
func NewSigner(priv ed25519.PrivateKey) *Signer {
	pub := priv.Public().(ed25519.PublicKey)
	return &Signer{priv: priv, pub: pub, keyID: KeyID(pub)}
}

func createKey(dir string) error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	// Write to temporary names and rename, so a crash never leaves half a key.
	tmp := filepath.Join(dir, privateKeyFile+".tmp")
	if err := os.WriteFile(tmp, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, publicKeyFile),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, privateKeyFile)); err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	return nil
}

// RotateSigningKey retires the current key of dataDir (its public half is
// kept in signing/retired/<key id>.pub and still listed by /v1/keys; its
// private half is deleted) and creates a new one. Run it with the service
// stopped; on its next start the service re-signs every group's manifest with
// the new key under a new sequence number. See README "Key rotation".
func RotateSigningKey(dataDir string) (oldID, newID string, err error) {
	old, err := LoadOrCreateSigner(dataDir)
	if err != nil {
		return "", "", err
	}
	dir := filepath.Join(dataDir, signingDir)
	rdir := filepath.Join(dir, retiredDir)
	if err := os.MkdirAll(rdir, 0o700); err != nil {
		return "", "", fmt.Errorf("rotate: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(old.pub)
	if err != nil {
		return "", "", err
	}
	if err := os.WriteFile(filepath.Join(rdir, old.keyID+".pub"),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		return "", "", fmt.Errorf("rotate: %w", err)
	}
	if err := os.Remove(filepath.Join(dir, privateKeyFile)); err != nil {
		return "", "", fmt.Errorf("rotate: %w", err)
	}
	if err := createKey(dir); err != nil {
		return "", "", err
	}
	s, err := LoadOrCreateSigner(dataDir)
	if err != nil {
		return "", "", err
	}
	return old.keyID, s.keyID, nil
}

func loadRetired(dir string) ([]PublicKey, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("retired keys: %w", err)
	}
	var out []PublicKey
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".pub") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("retired key: %w", err)
		}
		block, _ := pem.Decode(data)
		if block == nil {
			return nil, fmt.Errorf("retired key %s: not PEM", e.Name())
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("retired key %s: %w", e.Name(), err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("retired key %s: not Ed25519", e.Name())
		}
		out = append(out, publicKey(pub, false))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].KeyID < out[j].KeyID })
	return out, nil
}

func publicKey(pub ed25519.PublicKey, current bool) PublicKey {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	return PublicKey{
		KeyID:   KeyID(pub),
		Key:     base64.StdEncoding.EncodeToString(pub),
		PEM:     string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
		Current: current,
	}
}

// KeyID returns the identifier of the current key.
func (s *Signer) KeyID() string { return s.keyID }

// PublicKey returns the current public key.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.pub }

// Keys lists the current public key first, then retired ones.
func (s *Signer) Keys() []PublicKey {
	return append([]PublicKey{publicKey(s.pub, true)}, s.retired...)
}

// Sign returns the base64 Ed25519 signature of msg.
func (s *Signer) Sign(msg []byte) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(s.priv, msg))
}

// BundleStatement is the exact message signed for a bundle: the ASCII text
// "edgescore-bundle-v1\nsha256=" followed by the digest in lowercase hex and
// a final "\n".
func BundleStatement(digest string) []byte {
	return []byte("edgescore-bundle-v1\nsha256=" + digest + "\n")
}

// VerifyBundleSignature checks a bundle signature as an edge does.
func VerifyBundleSignature(pub ed25519.PublicKey, digest, signature string) error {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("bundle signature: %w", err)
	}
	if !ed25519.Verify(pub, BundleStatement(digest), sig) {
		return fmt.Errorf("bundle %s: signature does not verify", digest)
	}
	return nil
}
