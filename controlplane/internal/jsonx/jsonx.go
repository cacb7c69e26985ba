package jsonx

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/edgescore/edgescore/internal/strictjson"
	"io"
	"strings"
)

// Decode decodes data into v strictly (internal/strictjson: unknown fields,
// duplicate keys and trailing data are errors) and names the offending
// value by its full path after prefix ("body", "events[3]"), e.g.
// "body.arms[1].weight: expected integer, got string (at byte 57)".
func Decode(data []byte, v any, prefix string) error {
	err := strictjson.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var se *strictjson.Error
	if !errors.As(err, &se) {
		return err // the Go type cannot be decoded: a programming error
	}
	path := se.Path
	if path != "" && path[0] != '[' && prefix != "" {
		path = "." + path
	}
	return fmt.Errorf("%s: %s (at byte %d)", name(prefix+path, ""), se.Msg, se.Offset)
}

// Explain rewrites an encoding/json error with the path of the value it is
// about. Errors that are not from encoding/json are returned wrapped as is.
func Explain(err error, prefix string) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("%s: malformed JSON at byte %d: %s", name(prefix, ""), syn.Offset, syn.Error())
	case errors.As(err, &typ):
		got := typ.Value
		if i := strings.IndexByte(got, ' '); i > 0 {
			got = got[:i] // "number 1.5" → "number"
		}
		return fmt.Errorf("%s: want %s, got %s", name(prefix, typ.Field), typeName(typ.Type.String()), got)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%s: empty, want a JSON value", name(prefix, ""))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: malformed JSON: unexpected end of input", name(prefix, ""))
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	return fmt.Errorf("%s: %s", name(prefix, ""), msg)
}

func name(prefix, field string) string {
	switch {
	case prefix == "" && field == "":
		return "JSON"
	case prefix == "":
		return field
	case field == "":
		return prefix
	}
	return prefix + "." + field
}

func typeName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "array"
	case strings.HasPrefix(goType, "map["), strings.Contains(goType, "."):
		return "object"
	case strings.HasPrefix(goType, "float"):
		return "number"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "integer"
	case goType == "bool":
		return "boolean"
	}
	return goType
}
