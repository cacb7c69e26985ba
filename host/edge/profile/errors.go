package profile

import "errors"

// Sentinel errors of Open and Decode; match with errors.Is.
var (
	// ErrMalformed: not a cookie value of this format (bad base64, too
	// short, another version or kind, a body that does not parse).
	ErrMalformed = errors.New("profile: malformed cookie")
	// ErrUnknownKey: signed with a key id the keyring does not hold.
	ErrUnknownKey = errors.New("profile: unknown key id")
	// ErrBadSignature: the tag does not verify (tampered, or another key
	// with the same id).
	ErrBadSignature = errors.New("profile: bad signature")
	// ErrExpired: issued longer ago than MaxAge, or in the future.
	ErrExpired = errors.New("profile: expired")
)
