// Package profile is the edge's signed first-party cookie: who the shopper
// is and a compact summary of their purchase history, so that no profile
// lookup is needed on page load.
//
// A cookie value is base64url (unpadded) of
//
//	version (1 byte, = 1) ‖ kind (1 byte) ‖ key id length (1 byte) ‖ key id ‖
//	body ‖ tag
//
// where tag is the first 16 bytes of HMAC-SHA256(key, everything before it).
// The key id names which key of the Keyring signed it, so keys rotate
// without logging everyone out: sign with the newest key, keep older ones
// for verification until their cookies have expired. The body starts with
// the issue time (unix seconds, uvarint); Open refuses a value issued in
// the future or longer ago than the keyring's MaxAge.
//
// Anything that does not verify — a wrong tag, an unknown key id, another
// version or kind, a truncated or over-long body — is an error, and the
// caller treats the shopper as new: a cookie is never half-trusted.
package profile
