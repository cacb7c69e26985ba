package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Decode decodes data into v strictly. prefix names the value in errors
// ("body", "events[3]"); it may be empty.
func Decode(data []byte, v any, prefix string) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return Explain(err, prefix)
	}
	if d.More() {
		return fmt.Errorf("%s: unexpected data after the JSON value", name(prefix, ""))
	}
	if _, err := d.Token(); err != io.EOF {
		return fmt.Errorf("%s: unexpected data after the JSON value", name(prefix, ""))
	}
	return nil
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
