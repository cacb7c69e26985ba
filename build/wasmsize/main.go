// Command wasmsize attributes the code of a Go WebAssembly module to
// packages and functions, so a change's effect on the guest's size
// (wasm/guest) can be measured where it happens rather than only in total.
//
// It reads the code section and the function names of the "name" custom
// section, so the module must be built without -ldflags='-s -w':
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o /tmp/g.wasm ./wasm/guest
//	go run ./build/wasmsize [-funcs N] [-match SUBSTR] /tmp/g.wasm
//	go run ./build/wasmsize -diff /tmp/before.wasm /tmp/g.wasm
//
// It prints the size of every section, then code bytes per package (largest
// first) and, with -funcs, the N largest functions. With -diff it prints
// how each section and function changed from the first module to the
// second, largest change first. The data section (type
// data, pclntab, constants) is not broken down: the linker writes it as
// anonymous segments, and it grows roughly with the number of functions.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

func main() {
	funcs := flag.Int("funcs", 0, "also print the `n` largest functions")
	match := flag.String("match", "", "only count functions whose name contains `substr`")
	diff := flag.Bool("diff", false, "compare two modules: wasmsize -diff old.wasm new.wasm")
	flag.Parse()
	if *diff && flag.NArg() != 2 || !*diff && flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: wasmsize [-funcs n] [-match substr] module.wasm\n       wasmsize -diff old.wasm new.wasm")
		os.Exit(2)
	}
	var mods []*module
	for _, path := range flag.Args() {
		data, err := os.ReadFile(path)
		if err == nil {
			var m *module
			m, err = parse(data)
			mods = append(mods, m)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "wasmsize: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
	if *diff {
		printDiff(mods[0], mods[1], *match)
		return
	}
	report(mods[0], *funcs, *match)
}

// reader decodes the LEB128 and length-prefixed items of a module.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uleb() uint64 {
	var v uint64
	for shift := 0; ; shift += 7 {
		if len(r.b) == 0 || shift > 63 {
			r.fail()
			return 0
		}
		c := r.b[0]
		r.b = r.b[1:]
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
}

func (r *reader) bytes(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) fail() {
	if r.err == nil {
		r.err = errors.New("truncated or malformed module")
	}
	r.b = nil
}

var sectionNames = map[byte]string{
	0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory",
	6: "global", 7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount",
}

// module is what wasmsize reads from a module: section sizes in order, and
// the code bytes of each named function.
type module struct {
	total    int
	sections []item
	funcs    []item // in index order
}

type item struct {
	name string
	size int
}

func parse(data []byte) (*module, error) {
	if len(data) < 8 || !bytes.Equal(data[:4], []byte("\x00asm")) {
		return nil, errors.New("not a WebAssembly module")
	}
	r := &reader{b: data[8:]}
	var (
		imported  uint64 // functions imported, which come first in the index space
		bodySizes []int  // code bytes of each defined function
		names     = map[uint64]string{}
	)
	m := &module{total: len(data)}
	for len(r.b) > 0 && r.err == nil {
		id := r.bytes(1)
		if r.err != nil {
			break
		}
		body := r.bytes(r.uleb())
		s := &reader{b: body}
		label := sectionNames[id[0]]
		switch id[0] {
		case 0:
			name := string(s.bytes(s.uleb()))
			label = "custom " + name
			if name == "name" {
				readNames(s, names)
			}
		case 2:
			for n := s.uleb(); n > 0 && s.err == nil; n-- {
				s.bytes(s.uleb()) // module
				s.bytes(s.uleb()) // name
				kind := s.bytes(1)
				switch {
				case s.err != nil:
				case kind[0] == 0:
					imported++
					s.uleb()
				case kind[0] == 1:
					s.bytes(1)
					limits(s)
				case kind[0] == 2:
					limits(s)
				case kind[0] == 3:
					s.bytes(2)
				}
			}
		case 10:
			for n := s.uleb(); n > 0 && s.err == nil; n-- {
				sz := s.uleb()
				s.bytes(sz)
				bodySizes = append(bodySizes, int(sz))
			}
		}
		if s.err != nil {
			return nil, fmt.Errorf("section %s: %w", label, s.err)
		}
		m.sections = append(m.sections, item{label, len(body)})
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(names) == 0 {
		return nil, errors.New("no function names: build without -ldflags='-s -w'")
	}
	for i, sz := range bodySizes {
		m.funcs = append(m.funcs, item{names[imported+uint64(i)], sz})
	}
	return m, nil
}

// bySize sorts largest first, then by name; with abs, by magnitude (for
// changes).
func bySize(s []item, abs bool) {
	mag := func(v int) int {
		if abs && v < 0 {
			return -v
		}
		return v
	}
	sort.Slice(s, func(i, j int) bool {
		if a, b := mag(s[i].size), mag(s[j].size); a != b {
			return a > b
		}
		return s[i].name < s[j].name
	})
}

func report(m *module, nfuncs int, match string) {
	fmt.Printf("%-24s %10d\n", "total", m.total)
	for _, s := range m.sections {
		fmt.Printf("%-24s %10d\n", s.name, s.size)
	}
	pkgs := map[string]int{}
	var all []item
	total := 0
	for _, f := range m.funcs {
		if match != "" && !strings.Contains(f.name, match) {
			continue
		}
		pkgs[pkgOf(f.name)] += f.size
		all = append(all, f)
		total += f.size
	}
	var byPkg []item
	for p, sz := range pkgs {
		byPkg = append(byPkg, item{p, sz})
	}
	bySize(byPkg, false)
	bySize(all, false)
	fmt.Printf("\ncode bytes by package (%d functions, %d bytes)\n", len(all), total)
	for _, it := range byPkg {
		fmt.Printf("%10d  %s\n", it.size, it.name)
	}
	if nfuncs > 0 {
		fmt.Printf("\nlargest functions\n")
		for _, it := range all[:min(nfuncs, len(all))] {
			fmt.Printf("%10d  %s\n", it.size, it.name)
		}
	}
}

// printDiff prints the changes from a to b: total, sections, then every
// function whose code size changed (new and removed ones included).
func printDiff(a, b *module, match string) {
	fmt.Printf("%-24s %+10d  (%d -> %d)\n", "total", b.total-a.total, a.total, b.total)
	changes := func(x, y []item, keep func(string) bool) []item {
		d := map[string]int{}
		for _, it := range x {
			if keep(it.name) {
				d[it.name] -= it.size
			}
		}
		for _, it := range y {
			if keep(it.name) {
				d[it.name] += it.size
			}
		}
		var out []item
		for n, v := range d {
			if v != 0 {
				out = append(out, item{n, v})
			}
		}
		bySize(out, true)
		return out
	}
	all := func(string) bool { return true }
	for _, it := range changes(a.sections, b.sections, all) {
		fmt.Printf("%-24s %+10d\n", it.name, it.size)
	}
	fns := changes(a.funcs, b.funcs, func(n string) bool { return match == "" || strings.Contains(n, match) })
	sum := 0
	for _, it := range fns {
		sum += it.size
	}
	fmt.Printf("\nfunctions changed: %d, code %+d bytes\n", len(fns), sum)
	for _, it := range fns {
		fmt.Printf("%+10d  %s\n", it.size, it.name)
	}
}

func limits(s *reader) {
	if f := s.bytes(1); s.err == nil {
		s.uleb()
		if f[0]&1 != 0 {
			s.uleb()
		}
	}
}

// readNames fills names from the function-names subsection (id 1) of a
// "name" custom section.
func readNames(s *reader, names map[uint64]string) {
	for len(s.b) > 0 && s.err == nil {
		id := s.bytes(1)
		sub := &reader{b: s.bytes(s.uleb())}
		if s.err != nil || id[0] != 1 {
			continue
		}
		for n := sub.uleb(); n > 0 && sub.err == nil; n-- {
			idx := sub.uleb()
			names[idx] = string(sub.bytes(sub.uleb()))
		}
	}
}

// pkgOf returns the package a function belongs to. The linker writes
// names with '/' turned into '_' ("github.com_edgescore_edgescore_module_rule.
// __parser_.name"), so the package is everything up to the first dot that is
// not part of a leading domain name, with generic instantiations
// ("slices.SortFunc[...]") cut at the bracket.
func pkgOf(sym string) string {
	if i := strings.IndexByte(sym, '['); i >= 0 {
		sym = sym[:i]
	}
	skip := 0
	if d := strings.IndexByte(sym, '.'); d > 0 {
		for _, tld := range []string{"com_", "org_", "net_", "io_", "dev_", "in_"} {
			if strings.HasPrefix(sym[d+1:], tld) {
				skip = d + len(tld) // "github.com_": the dot is the domain's
				break
			}
		}
	}
	if i := strings.IndexByte(sym[skip:], '.'); i >= 0 {
		return sym[:skip+i]
	}
	return sym
}
