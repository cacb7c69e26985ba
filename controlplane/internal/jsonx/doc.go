// Package jsonx decodes JSON strictly (unknown fields rejected, exactly one
// value, no trailing data) and turns encoding/json's errors into messages that
// name where the problem is: "arms.weight: want int, got string".
package jsonx
