package abi

// Test-only behaviour of a guest built with the DebugBuildTag build tag (see
// ABI.md §9). A production guest treats these shopper ids like any other.
const (
	// DebugBuildTag is the build tag that compiles the test-only hooks in.
	DebugBuildTag = "edgescore_debug"
	// DebugTrapShopperID makes decide panic (the guest traps).
	DebugTrapShopperID = "edgescore-debug:trap"
	// DebugSpinShopperID makes decide loop until the host interrupts it.
	DebugSpinShopperID = "edgescore-debug:spin"
)
