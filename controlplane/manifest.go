package controlplane

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Manifest is what an edge of a group runs: which bundles, with what share of
// shoppers, under which salt, and whether the kill switch is on. It is signed;
// edges verify the signature with the pinned public key and refuse a sequence
// not greater than the last one they accepted.
//
// Edges assign a shopper to an arm with the core's bucketing, exactly as a
// bundle's own experiment does: b = experiment.Bucket(Salt, shopperID) in
// [0, 10000) and arm = experiment.Arm(weights, b) — arm 0 takes the bottom
// buckets, arms 1, 2, … are stacked down from the top (see module/experiment).
// The control plane keeps the challenger arm first and the champion last,
// and the salt unchanged while a canary ramps, so raising the challenger's
// weight only moves champion shoppers to the challenger, never back. With
// KillSwitch set, edges answer every request with the default "no offer"
// decision whatever the arms say.
type Manifest struct {
	Group      string        `json:"group"`
	Sequence   uint64        `json:"sequence"`
	IssuedAt   string        `json:"issued_at"` // RFC 3339, UTC
	KeyID      string        `json:"key_id"`
	Salt       string        `json:"salt"`
	KillSwitch bool          `json:"kill_switch"`
	Arms       []ManifestArm `json:"arms"`
	// Signature is the base64 Ed25519 signature of SigningBytes().
	Signature string `json:"signature"`
}

// ManifestArm is one bundle and its share of shoppers.
type ManifestArm struct {
	Name   string `json:"name"`
	Bundle string `json:"bundle"` // hex sha256 of the bundle binary
	Weight int    `json:"weight"` // basis points; the arms sum to 10000
	URL    string `json:"url"`    // where to fetch the binary (not signed: the digest is)
	Size   int64  `json:"size"`
}

// SigningBytes returns the canonical bytes that Signature signs. They are
// ASCII lines, each ending in "\n", in this order:
//
//	edgescore-manifest-v1
//	group=<group>
//	sequence=<decimal sequence>
//	issued_at=<issued_at exactly as in the JSON>
//	key_id=<key_id>
//	salt=<salt>
//	kill_switch=<0 or 1>
//	arm=<name>,<weight in decimal>,<bundle digest>     (one line per arm, in order)
//
// Group, salt and arm names match [A-Za-z0-9._-]{1,64} and digests are 64
// lowercase hex digits, so no field can contain "," or "\n". URL and Size are
// not signed: an edge checks the sha256 of what it downloads against the
// signed digest. Example, a 5% canary:
//
//	edgescore-manifest-v1
//	group=eu-web
//	sequence=7
//	issued_at=2025-11-24T10:00:00Z
//	key_id=3f2a…
//	salt=s-91c2
//	kill_switch=0
//	arm=challenger,500,9f86d0…
//	arm=champion,9500,60303a…
func (m *Manifest) SigningBytes() []byte {
	var b strings.Builder
	b.WriteString("edgescore-manifest-v1\ngroup=")
	b.WriteString(m.Group)
	b.WriteString("\nsequence=")
	b.WriteString(strconv.FormatUint(m.Sequence, 10))
	b.WriteString("\nissued_at=")
	b.WriteString(m.IssuedAt)
	b.WriteString("\nkey_id=")
	b.WriteString(m.KeyID)
	b.WriteString("\nsalt=")
	b.WriteString(m.Salt)
	b.WriteString("\nkill_switch=")
	if m.KillSwitch {
		b.WriteString("1")
	} else {
		b.WriteString("0")
	}
	b.WriteString("\n")
	for _, a := range m.Arms {
		b.WriteString("arm=")
		b.WriteString(a.Name)
		b.WriteString(",")
		b.WriteString(strconv.Itoa(a.Weight))
		b.WriteString(",")
		b.WriteString(a.Bundle)
		b.WriteString("\n")
	}
	return []byte(b.String())
}

// ErrReplayed is returned by VerifyManifest for a manifest whose sequence is
// not greater than the last one the edge accepted.
var ErrReplayed = errors.New("replayed manifest")

// VerifyManifest checks a manifest as an edge must before using it: every
// field well-formed, the signature valid under one of the pinned keys (chosen
// by key id), and the sequence greater than lastSequence (0 when the edge has
// accepted none yet).
func VerifyManifest(m *Manifest, pinned []ed25519.PublicKey, lastSequence uint64) error {
	if err := checkManifestFields(m); err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("manifest %s/%d: signature is not base64 Ed25519", m.Group, m.Sequence)
	}
	var key ed25519.PublicKey
	for _, k := range pinned {
		if KeyID(k) == m.KeyID {
			key = k
		}
	}
	if key == nil {
		return fmt.Errorf("manifest %s/%d: key %s is not pinned", m.Group, m.Sequence, m.KeyID)
	}
	if !ed25519.Verify(key, m.SigningBytes(), sig) {
		return fmt.Errorf("manifest %s/%d: signature does not verify", m.Group, m.Sequence)
	}
	if m.Sequence <= lastSequence {
		return fmt.Errorf("manifest %s: sequence %d is not above %d: %w", m.Group, m.Sequence, lastSequence, ErrReplayed)
	}
	return nil
}

func checkManifestFields(m *Manifest) error {
	if err := checkName("group", m.Group); err != nil {
		return err
	}
	if err := checkName("salt", m.Salt); err != nil {
		return err
	}
	if m.Sequence == 0 {
		return fmt.Errorf("manifest: sequence must be positive")
	}
	sum := 0
	for i, a := range m.Arms {
		if err := checkName(fmt.Sprintf("arms[%d].name", i), a.Name); err != nil {
			return err
		}
		if !isDigest(a.Bundle) {
			return fmt.Errorf("manifest: arms[%d].bundle: not a sha256 digest", i)
		}
		if a.Weight < 0 || a.Weight > 10000 {
			return fmt.Errorf("manifest: arms[%d].weight: %d outside [0, 10000]", i, a.Weight)
		}
		sum += a.Weight
	}
	if len(m.Arms) > 0 && sum != 10000 {
		return fmt.Errorf("manifest: arm weights sum to %d, want 10000", sum)
	}
	return nil
}

// checkName enforces the character set of names that appear in signed bytes.
func checkName(path, s string) error {
	if len(s) == 0 || len(s) > 64 {
		return fmt.Errorf("%s: must be 1 to 64 characters of [A-Za-z0-9._-]", path)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%s: %q: must be 1 to 64 characters of [A-Za-z0-9._-]", path, s)
		}
	}
	return nil
}

// IsDigest reports whether s is a bundle digest: 64 lowercase hex digits.
func IsDigest(s string) bool { return isDigest(s) }

func isDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
