package conformance_test

import (
	"testing"

	"github.com/edgescore/edgescore/host/conformance"
)

// TestNative: the native core still makes the golden decisions (if not,
// the core changed and the golden file must be regenerated, deliberately).
func TestNative(t *testing.T) { conformance.Run(t, conformance.Native) }
