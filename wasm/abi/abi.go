package abi

// Version is the ABI version the guest reports from abi_version: the major
// version in the high 16 bits, the minor in the low 16 bits. A change that an
// older host or guest cannot ignore bumps the major; an addition that both
// sides can ignore (a new optional export, a field appended to an output
// record, a meaning given to a reserved input byte whose zero keeps the old
// behaviour, a list appended to the names table) bumps the minor.
const (
	VersionMajor = 1
	VersionMinor = 0
	Version      = VersionMajor<<16 | VersionMinor
)

// Supported reports whether a host built against this package can drive a
// guest that reports version v: same major, and a minor at least this one
// (a newer guest only adds what this host may ignore).
func Supported(v uint32) bool {
	return v>>16 == VersionMajor && v&0xffff >= VersionMinor
}

// VersionString formats v as "major.minor".
func VersionString(v uint32) string {
	return utoa(uint64(v>>16)) + "." + utoa(uint64(v&0xffff))
}

// Names of the guest's exports.
const (
	ExportMemory       = "memory"
	ExportInitialize   = "_initialize"
	ExportABIVersion   = "abi_version"
	ExportInputBuffer  = "input_buffer"
	ExportBundleBuffer = "bundle_buffer"
	ExportLoadBundle   = "load_bundle"
	ExportBundleInfo   = "bundle_info"
	ExportDecide       = "decide"
	ExportLastError    = "last_error"
)

// ValueType is a WebAssembly value type, by its binary encoding.
type ValueType byte

// The value types the ABI uses (numbers only).
const (
	I32 ValueType = 0x7f
	I64 ValueType = 0x7e
	F32 ValueType = 0x7d
	F64 ValueType = 0x7c
)

func (t ValueType) String() string {
	switch t {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case F32:
		return "f32"
	case F64:
		return "f64"
	}
	return "0x" + hex2(byte(t))
}

// Func is the name and signature of one exported function.
type Func struct {
	Name    string
	Params  []ValueType
	Results []ValueType
}

// Signature formats the signature as in error messages: "(i32, i32) -> (i64)".
func (f Func) Signature() string {
	return "(" + joinTypes(f.Params) + ") -> (" + joinTypes(f.Results) + ")"
}

// Exports returns every function a guest must export, with its exact
// signature, in the order ABI.md lists them. The guest must also export its
// linear memory as ExportMemory. The slice is new on every call.
func Exports() []Func {
	return []Func{
		{Name: ExportInitialize},
		{Name: ExportABIVersion, Results: []ValueType{I32}},
		{Name: ExportInputBuffer, Results: []ValueType{I64}},
		{Name: ExportBundleBuffer, Params: []ValueType{I32}, Results: []ValueType{I32}},
		{Name: ExportLoadBundle, Params: []ValueType{I32, I32}, Results: []ValueType{I32}},
		{Name: ExportBundleInfo, Results: []ValueType{I64}},
		{Name: ExportDecide, Params: []ValueType{I32, I32}, Results: []ValueType{I64}},
		{Name: ExportLastError, Results: []ValueType{I64}},
	}
}

// Status is the outcome of a guest call that can fail without trapping. It
// is an i32 result, or the low 32 bits of a packed i64 result whose pointer
// half is zero.
type Status uint32

// Status codes. Every non-OK status leaves a message for last_error.
const (
	StatusOK Status = 0
	// StatusNoBundle: decide or bundle_info before any bundle was loaded.
	StatusNoBundle Status = 1
	// StatusBadArgument: a pointer and length that do not designate the
	// guest's buffer, or a size out of range.
	StatusBadArgument Status = 2
	// StatusBadContext: the context record is malformed.
	StatusBadContext Status = 3
	// StatusBadBundle: the bundle was rejected; the previous one stays.
	StatusBadBundle Status = 4
)

var statusNames = [...]string{"ok", "no bundle loaded", "bad argument", "bad context record", "bad bundle"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "status " + utoa(uint64(s))
}

// Limits.
const (
	// MaxBundleSize is the largest bundle bundle_buffer accepts (the
	// bundle package's MaxEncodedSize; a test keeps them equal).
	MaxBundleSize = 64 << 20
	// InputBufferSize is the capacity of the buffer input_buffer returns:
	// MaxContextSize rounded up to 32 KiB.
	InputBufferSize = 32 << 10
)

// Pack packs a pointer and a length into one i64 result: ptr<<32 | len.
func Pack(ptr, n uint32) uint64 { return uint64(ptr)<<32 | uint64(n) }

// Unpack splits a packed i64 result. A zero pointer means the low half is a
// Status (see PackedStatus).
func Unpack(v uint64) (ptr, n uint32) { return uint32(v >> 32), uint32(v) }

// PackStatus is the packed result of a failed call: pointer 0, status s.
func PackStatus(s Status) uint64 { return uint64(s) }

// PackedStatus returns the status a packed result carries: StatusOK when its
// pointer is not zero, else the low 32 bits.
func PackedStatus(v uint64) Status {
	if v>>32 != 0 {
		return StatusOK
	}
	return Status(uint32(v))
}

func joinTypes(ts []ValueType) string {
	s := ""
	for i, t := range ts {
		if i > 0 {
			s += ", "
		}
		s += t.String()
	}
	return s
}

// utoa formats v in decimal. It is not inlined: it builds error messages
// only, and a copy at each of its 30 call sites made the wasm guest's
// DecodeContext 4 KB larger.
//
//go:noinline
func utoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

func hex2(b byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}
