package controlplane_test

import (
	"crypto/ed25519"
	"fmt"
	"strings"

	"github.com/edgescore/edgescore/controlplane"
)

// An edge verifies a manifest with its pinned key and the last sequence it
// accepted; a replayed (older or equal) manifest is refused.
func ExampleVerifyManifest() {
	signer := controlplane.NewSigner(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	m := &controlplane.Manifest{Group: "eu-web", Sequence: 7, IssuedAt: "2025-11-24T10:00:00Z",
		KeyID: signer.KeyID(), Salt: "s-1", Arms: []controlplane.ManifestArm{
			{Name: "challenger", Weight: 500, Bundle: strings.Repeat("a", 64)},
			{Name: "champion", Weight: 9500, Bundle: strings.Repeat("b", 64)},
		}}
	m.Signature = signer.Sign(m.SigningBytes())
	pinned := []ed25519.PublicKey{signer.PublicKey()}

	fmt.Println(controlplane.VerifyManifest(m, pinned, 6))
	fmt.Println(controlplane.VerifyManifest(m, pinned, 7))
	m.Arms[0].Weight, m.Arms[1].Weight = 5000, 5000 // tampered in transit
	fmt.Println(controlplane.VerifyManifest(m, pinned, 6))
	// Output:
	// <nil>
	// manifest eu-web: sequence 7 is not above 7: replayed manifest
	// manifest eu-web/7: signature does not verify
}
