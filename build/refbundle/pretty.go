package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// A small JSON pretty printer: a value that fits on one line (within
// lineWidth, counting its indentation) is written on one line, otherwise
// its members go one per line. Keys keep their order; numbers keep their
// text. It makes the reference bundle readable as the complete example of
// the authoring format that it is.

const lineWidth = 120

type jnode struct {
	kind byte // '{', '[', or 'v' for a scalar
	keys []string
	vals []*jnode
	text []byte // scalar: its JSON text; raw replacement: written as is
	raw  bool
}

func parseJSON(data []byte) (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := parseNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("pretty: trailing data")
	}
	return n, nil
}

func parseNode(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &jnode{kind: byte(t)}
		for dec.More() {
			if n.kind == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			v, err := parseNode(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	case json.Number:
		return &jnode{kind: 'v', text: []byte(t)}, nil
	default:
		b, err := marshalNoEscape(t)
		return &jnode{kind: 'v', text: b}, err
	}
}

func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// child returns the value at key in an object, or nil.
func (n *jnode) child(key string) *jnode {
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

func (n *jnode) oneLine(b *bytes.Buffer) {
	switch n.kind {
	case 'v':
		b.Write(n.text)
		return
	case '{':
		b.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			kb, _ := marshalNoEscape(k)
			b.Write(kb)
			b.WriteString(": ")
			n.vals[i].oneLine(b)
		}
		b.WriteByte('}')
	case '[':
		b.WriteByte('[')
		for i, v := range n.vals {
			if i > 0 {
				b.WriteString(", ")
			}
			v.oneLine(b)
		}
		b.WriteByte(']')
	}
}

func (n *jnode) hasRaw() bool {
	if n.raw {
		return true
	}
	for _, v := range n.vals {
		if v.hasRaw() {
			return true
		}
	}
	return false
}

func (n *jnode) write(b *bytes.Buffer, indent int) {
	if n.kind == 'v' {
		b.Write(n.text)
		return
	}
	if !n.hasRaw() {
		var line bytes.Buffer
		n.oneLine(&line)
		if indent+line.Len() <= lineWidth || len(n.vals) == 0 {
			b.Write(line.Bytes())
			return
		}
	}
	pad := bytes.Repeat([]byte(" "), indent+2)
	b.WriteByte(n.kind)
	b.WriteByte('\n')
	for i, v := range n.vals {
		b.Write(pad)
		if n.kind == '{' {
			kb, _ := marshalNoEscape(n.keys[i])
			b.Write(kb)
			b.WriteString(": ")
		}
		v.write(b, indent+2)
		if i < len(n.vals)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.Write(pad[:indent])
	if n.kind == '{' {
		b.WriteByte('}')
	} else {
		b.WriteByte(']')
	}
}

// prettyJSON formats n; the result ends with a newline.
func prettyJSON(n *jnode) []byte {
	var b bytes.Buffer
	n.write(&b, 0)
	b.WriteByte('\n')
	return b.Bytes()
}
