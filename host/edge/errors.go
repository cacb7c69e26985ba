package edge

import "errors"

// Sentinel errors; match with errors.Is.
var (
	// ErrConfig: the configuration is unusable (the message says why).
	ErrConfig = errors.New("edge: bad configuration")
	// ErrBadPattern: a page pattern does not parse.
	ErrBadPattern = errors.New("edge: bad page pattern")
)

// Reasons for a default decision, as the X-Edgescore-Reason header and the
// reason label of edgescore_failopen_total spell them.
const (
	ReasonDisabled   = "disabled"    // scoring is turned off
	ReasonNoBundle   = "no_bundle"   // no plan yet, or the arm has no engine
	ReasonKillSwitch = "kill_switch" // the manifest's kill switch is on
	ReasonTimeout    = "timeout"     // the budget ran out
	ReasonTrap       = "trap"        // the guest trapped or broke the ABI
	ReasonError      = "error"       // any other failure (a bad context, a panic)
)
