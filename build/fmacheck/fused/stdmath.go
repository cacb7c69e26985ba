package fused

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// inexact are the functions of package math whose result is not the
// correctly rounded value, so that their bits may depend on the platform:
// they are Go code that the compiler fuses on arm64 and amd64 v3, or
// assembly on some platforms and Go on others (math.Log is assembly on
// amd64). Find cannot see these: they are compiled as part of package math,
// not of the core. The core calls module/internal/fmath instead. Exact
// operations (Sqrt, Abs, Floor, Ldexp, Mod, FMA, …) are allowed.
var inexact = map[string]bool{
	"Acos": true, "Acosh": true, "Asin": true, "Asinh": true, "Atan": true, "Atan2": true,
	"Atanh": true, "Cbrt": true, "Cos": true, "Cosh": true, "Erf": true, "Erfc": true,
	"Erfcinv": true, "Erfinv": true, "Exp": true, "Exp2": true, "Expm1": true, "Gamma": true,
	"Hypot": true, "J0": true, "J1": true, "Jn": true, "Lgamma": true, "Log": true,
	"Log10": true, "Log1p": true, "Log2": true, "Pow": true, "Pow10": true, "Sin": true,
	"Sincos": true, "Sinh": true, "Tan": true, "Tanh": true, "Y0": true, "Y1": true, "Yn": true,
}

// StdMathUses lists every use (call or function value) of an inexact
// function of package math in the Go files under dir, except tests and
// testdata, as file:line: math.Name, sorted.
func StdMathUses(dir string) ([]string, error) {
	var sites []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		local := ""
		for _, im := range f.Imports {
			if p, _ := strconv.Unquote(im.Path.Value); p == "math" {
				local = "math"
				if im.Name != nil {
					local = im.Name.Name
				}
			}
		}
		if local == "" || local == "_" {
			return nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == local && inexact[sel.Sel.Name] {
				p := fset.Position(sel.Pos())
				sites = append(sites, fmt.Sprintf("%s:%d: math.%s", p.Filename, p.Line, sel.Sel.Name))
			}
			return true
		})
		return nil
	})
	sort.Strings(sites)
	return sites, err
}
