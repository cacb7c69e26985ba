package controlplane_test

import (
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/controlplane"
)

func testManifest() *controlplane.Manifest {
	return &controlplane.Manifest{Group: "eu-web", Sequence: 7, IssuedAt: "2025-11-24T10:00:00Z", KeyID: "k1",
		Salt: "s-91c2", Arms: []controlplane.ManifestArm{
			{Name: "challenger", Weight: 500, Bundle: strings.Repeat("a", 64), URL: "/x", Size: 3},
			{Name: "champion", Weight: 9500, Bundle: strings.Repeat("b", 64)},
		}}
}

func TestManifestSigningBytes(t *testing.T) {
	want := "edgescore-manifest-v1\ngroup=eu-web\nsequence=7\nissued_at=2025-11-24T10:00:00Z\nkey_id=k1\n" +
		"salt=s-91c2\nkill_switch=0\narm=challenger,500," + strings.Repeat("a", 64) + "\n" +
		"arm=champion,9500," + strings.Repeat("b", 64) + "\n"
	if got := string(testManifest().SigningBytes()); got != want {
		t.Fatalf("signing bytes:\n%s\nwant:\n%s", got, want)
	}
}

func TestVerifyManifest(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	other := ed25519.NewKeyFromSeed([]byte(strings.Repeat("x", 32)))
	signer := controlplane.NewSigner(priv)
	sign := func(m *controlplane.Manifest) *controlplane.Manifest {
		m.KeyID = signer.KeyID()
		m.Signature = signer.Sign(m.SigningBytes())
		return m
	}
	pinned := []ed25519.PublicKey{signer.PublicKey()}
	for _, c := range []struct {
		name    string
		m       *controlplane.Manifest
		pinned  []ed25519.PublicKey
		last    uint64
		wantErr string
	}{
		{"valid", sign(testManifest()), pinned, 6, ""},
		{"replayed", sign(testManifest()), pinned, 7, "replayed"},
		{"older", sign(testManifest()), pinned, 9, "replayed"},
		{"weight tampered", func() *controlplane.Manifest {
			m := sign(testManifest())
			m.Arms[0].Weight, m.Arms[1].Weight = 5000, 5000
			return m
		}(), pinned, 0, "does not verify"},
		{"kill switch tampered", func() *controlplane.Manifest {
			m := sign(testManifest())
			m.KillSwitch = true
			return m
		}(), pinned, 0, "does not verify"},
		{"key not pinned", sign(testManifest()), []ed25519.PublicKey{other.Public().(ed25519.PublicKey)}, 0, "not pinned"},
		{"weights do not sum", func() *controlplane.Manifest {
			m := testManifest()
			m.Arms[0].Weight = 1
			return sign(m)
		}(), pinned, 0, "sum to"},
		{"bad name", sign(&controlplane.Manifest{Group: "eu web", Sequence: 1, Salt: "s"}), pinned, 0, "group"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := controlplane.VerifyManifest(c.m, c.pinned, c.last)
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want it to mention %q", err, c.wantErr)
			}
			if c.wantErr == "replayed" && !errors.Is(err, controlplane.ErrReplayed) {
				t.Fatalf("err = %v, want ErrReplayed", err)
			}
		})
	}
}

func TestSignerKeyFiles(t *testing.T) {
	dir := t.TempDir()
	s1, err := controlplane.LoadOrCreateSigner(dir)
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "signing", "ed25519.key")
	st, err := os.Stat(keyPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode = %v (%v), want 0600", st.Mode().Perm(), err)
	}
	s2, err := controlplane.LoadOrCreateSigner(dir)
	if err != nil || s2.KeyID() != s1.KeyID() {
		t.Fatalf("reload: key %s (%v), want the same key %s", s2.KeyID(), err, s1.KeyID())
	}
	digest := strings.Repeat("c", 64)
	if err := controlplane.VerifyBundleSignature(s1.PublicKey(), digest, s2.Sign(controlplane.BundleStatement(digest))); err != nil {
		t.Fatal(err)
	}
	oldID, newID, err := controlplane.RotateSigningKey(dir)
	if err != nil || oldID != s1.KeyID() || newID == oldID {
		t.Fatalf("rotate = %s, %s, %v", oldID, newID, err)
	}
	s3, err := controlplane.LoadOrCreateSigner(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys := s3.Keys()
	if len(keys) != 2 || keys[0].KeyID != newID || !keys[0].Current || keys[1].KeyID != oldID || keys[1].Current {
		t.Fatalf("keys after rotation = %+v", keys)
	}
	if err := os.Chmod(keyPath, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := controlplane.LoadOrCreateSigner(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key accepted: %v", err)
	}
}
