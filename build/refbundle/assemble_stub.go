//go:build !refbundle_assemble

package main

import "errors"

func runAssemble() error { return errors.New("assemble: not yet available") }

func runEncode() error { return errors.New("encode: not yet available") }
