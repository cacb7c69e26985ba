package host

import (
	"context"
	"fmt"
	"slices"

	"github.com/edgescore/edgescore/wasm/abi"
)

// CheckModule checks, before any instance exists, that m exports every
// function of the ABI with its exact signature and its memory. The error is
// an *ExportError naming the first export that is wrong.
func CheckModule(m Module) error {
	fns := m.ExportedFunctions()
	for _, want := range abi.Exports() {
		got, ok := fns[want.Name]
		if !ok {
			return &ExportError{Kind: "func", Name: want.Name,
				Msg: "guest does not export func[" + want.Name + "]: should be " + want.Signature()}
		}
		if !slices.Equal(got.Params, want.Params) || !slices.Equal(got.Results, want.Results) {
			return &ExportError{Kind: "func", Name: want.Name,
				Msg: "guest exports the wrong signature for func[" + want.Name + "]: should be " +
					want.Signature() + ", not " + got.Signature()}
		}
	}
	if !slices.Contains(m.ExportedMemories(), abi.ExportMemory) {
		return &ExportError{Kind: "memory", Name: abi.ExportMemory,
			Msg: "guest does not export memory[" + abi.ExportMemory + "]"}
	}
	return nil
}

// checkVersion asks a fresh instance for its ABI version.
func checkVersion(ctx context.Context, fn Function, stack []uint64) error {
	if err := fn.Call(ctx, stack); err != nil {
		return fmt.Errorf("%w: calling %s: %w", ErrTrap, abi.ExportABIVersion, err)
	}
	v := uint32(stack[0])
	if !abi.Supported(v) {
		return fmt.Errorf("%w: guest ABI version %s is not supported by this host (ABI %s)",
			ErrIncompatibleGuest, abi.VersionString(v), abi.VersionString(abi.Version))
	}
	return nil
}
