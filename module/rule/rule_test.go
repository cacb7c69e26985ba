package rule

import (
	"errors"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

var testVars = map[string]Var{
	"cart_value":  {Slot: 0},
	"propensity":  {Slot: 1},
	"p_alive":     {Slot: 2},
	"frequency":   {Slot: 3},
	"channel":     {Slot: 4, Categorical: true},
	"device":      {Slot: 5, Categorical: true},
	"x":           {Slot: 6},
	"y":           {Slot: 7},
	"z":           {Slot: 8},
	"geo.country": {Slot: 9, Categorical: true},
	"m:score":     {Slot: 10},
	"max":         {Slot: 11}, // a variable may share a function's name
}

// env maps names to values: float64 (or int) for numbers, string for
// categorical values (converted with StringCode). Absent names are missing.
type env map[string]any

func (e env) vals(vars map[string]Var) []float64 {
	n := 0
	for _, v := range vars {
		n = max(n, v.Slot+1)
	}
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = math.NaN()
	}
	for name, v := range e {
		slot := vars[name].Slot
		switch v := v.(type) {
		case string:
			vals[slot] = StringCode(v)
		case int:
			vals[slot] = float64(v)
		case float64:
			vals[slot] = v
		default:
			panic("bad env value for " + name)
		}
	}
	return vals
}

func TestEval(t *testing.T) {
	tests := []struct {
		name string
		src  string
		env  env
		want bool
	}{
		// The examples from the brief.
		{"abandonment/yes", "cart_value > 80 && propensity < 0.3", env{"cart_value": 120, "propensity": 0.1}, true},
		{"abandonment/low cart", "cart_value > 80 && propensity < 0.3", env{"cart_value": 50, "propensity": 0.1}, false},
		{"abandonment/missing propensity", "cart_value > 80 && propensity < 0.3", env{"cart_value": 120}, false},
		{"app lapsing/p_alive", `channel == "app" && (p_alive < 0.4 || !has(frequency))`, env{"channel": "app", "p_alive": 0.2, "frequency": 3}, true},
		{"app lapsing/no frequency", `channel == "app" && (p_alive < 0.4 || !has(frequency))`, env{"channel": "app", "p_alive": 0.9}, true},
		{"app lapsing/alive", `channel == "app" && (p_alive < 0.4 || !has(frequency))`, env{"channel": "app", "p_alive": 0.9, "frequency": 3}, false},
		{"app lapsing/web", `channel == "app" && (p_alive < 0.4 || !has(frequency))`, env{"channel": "web", "p_alive": 0.2}, false},

		// Literals.
		{"true", "true", nil, true},
		{"false", "false", nil, false},
		{"not true", "!true", nil, false},
		{"not not true", "!!true", nil, true},
		{"integer", "80 == 80", nil, true},
		{"fraction", "0.5 + 0.25 == 0.75", nil, true},
		{"exponent", "1e3 == 1000", nil, true},
		{"exponent upper neg", "1E-2 == 0.01", nil, true},
		{"exponent plus", "2.5e+1 == 25", nil, true},
		{"leading zeros", "007 == 7", nil, true},
		{"whitespace", "\tx\n>\r1 ", env{"x": 2}, true},

		// Precedence and associativity.
		{"mul before add", "1 + 2 * 3 == 7", nil, true},
		{"parens", "(1 + 2) * 3 == 9", nil, true},
		{"sub left assoc", "10 - 4 - 3 == 3", nil, true},
		{"div left assoc", "8 / 4 / 2 == 1", nil, true},
		{"div before sub", "8 - 4 / 2 == 6", nil, true},
		{"unary minus binds tightest", "-x * 2 == -4", env{"x": 2}, true},
		{"double negation", "- -x == 2", env{"x": 2}, true},
		{"minus minus", "2 - -x == 4", env{"x": 2}, true},
		{"and before or", "true || false && false", nil, true},
		{"or in parens", "(true || false) && false", nil, false},
		{"not before and", "!false && false", nil, false},
		{"not after comparison", "!x > 1", env{"x": 0}, true},
		{"not after comparison 2", "!x > 1", env{"x": 2}, false},
		{"not of in", `!channel in ("app")`, env{"channel": "web"}, true},
		{"arith in comparison", "x + 1 > y * 2", env{"x": 4, "y": 2}, true},
		{"or chain", "x > 5 || y > 5 || z > 5", env{"x": 1, "y": 1, "z": 6}, true},
		{"or chain none", "x > 5 || y > 5 || z > 5", env{"x": 1, "y": 1, "z": 1}, false},
		{"and chain", "x > 0 && y > 0 && z > 0", env{"x": 1, "y": 1, "z": 1}, true},
		{"and chain one false", "x > 0 && y > 0 && z > 0", env{"x": 1, "y": 0, "z": 1}, false},
		{"mixed chain 1", "x > 1 && y > 1 || z > 1", env{"x": 0, "y": 2, "z": 2}, true},
		{"mixed chain 2", "x > 1 && y > 1 || z > 1", env{"x": 2, "y": 0, "z": 0}, false},
		{"mixed chain 3", "x > 1 || y > 1 && z > 1", env{"x": 0, "y": 2, "z": 0}, false},
		{"mixed chain 4", "(x > 1 || y > 1) && z > 1", env{"x": 2, "y": 0, "z": 2}, true},
		{"and of ors", "(x > 1 || y > 1) && (z > 1 || x > 5)", env{"x": 0, "y": 0, "z": 2}, false},
		{"deep parens", "((((x)))) > 1", env{"x": 2}, true},
		{"right nested", "x + (y + (z + 1)) == 7", env{"x": 1, "y": 2, "z": 3}, true},

		// Every comparison, including constant on the left.
		{"lt", "x < 2", env{"x": 1}, true},
		{"lt equal", "x < 2", env{"x": 2}, false},
		{"le", "x <= 2", env{"x": 2}, true},
		{"le greater", "x <= 2", env{"x": 3}, false},
		{"gt", "x > 2", env{"x": 3}, true},
		{"gt equal", "x > 2", env{"x": 2}, false},
		{"ge", "x >= 2", env{"x": 2}, true},
		{"ge less", "x >= 2", env{"x": 1}, false},
		{"eq", "x == 2", env{"x": 2}, true},
		{"eq other", "x == 2", env{"x": 3}, false},
		{"ne", "x != 2", env{"x": 3}, true},
		{"ne equal", "x != 2", env{"x": 2}, false},
		{"const left lt", "2 < x", env{"x": 3}, true},
		{"const left le", "2 <= x", env{"x": 1}, false},
		{"const left gt", "2 > x", env{"x": 1}, true},
		{"const left ge", "2 >= x", env{"x": 2}, true},
		{"var var", "x < y", env{"x": 1, "y": 2}, true},
		{"var var ne", "x != y", env{"x": 1, "y": 1}, false},
		{"expr const", "x * 2 >= 4", env{"x": 2}, true},
		{"const expr", "4 <= x * 2", env{"x": 2}, true},
		{"const const", "1 < 2", nil, true},
		{"zero sign", "x == 0", env{"x": math.Copysign(0, -1)}, true},
		{"dotted name", "m:score > 1", env{"m:score": 2}, true},
		{"name like function", "max > 1 && max(x, y) == 3", env{"max": 2, "x": 3, "y": 1}, true},
		{"bool eq", "(x > 1) == (y > 1)", env{"x": 0, "y": 0}, true},
		{"bool ne", "(x > 1) != (y > 1)", env{"x": 2, "y": 0}, true},
		{"bool eq true", "(x > 1) == true", env{"x": 2}, true},
		{"true eq false", "true == false", nil, false},

		// Missing values.
		{"missing lt", "x < 1", nil, false},
		{"missing ge", "x >= 1", nil, false},
		{"missing eq", "x == 1", nil, false},
		{"missing ne is false", "x != 1", nil, false},
		{"missing not eq is true", "!(x == 1)", nil, true},
		{"missing var var", "x != y", env{"y": 1}, false},
		{"missing both", "x == y", nil, false},
		{"missing arith", "x + 1 > 0", nil, false},
		{"missing arith le", "x + 1 <= 0", nil, false},
		{"missing arith propagates", "missing(x * 0)", nil, true},
		{"missing through sub", "has(y - x)", env{"y": 1}, false},
		{"missing neg", "missing(-x)", nil, true},
		{"has present", "has(x)", env{"x": 0}, true},
		{"has missing", "has(x)", nil, false},
		{"missing present", "missing(x)", env{"x": 0}, false},
		{"missing missing", "missing(x)", nil, true},
		{"has expr", "has(x + y)", env{"x": 1, "y": 2}, true},
		{"missing expr", "missing(x + y)", env{"x": 1}, true},
		{"has paren name", "has((x))", env{"x": 1}, true},
		{"has categorical", "has(channel)", env{"channel": "app"}, true},
		{"has categorical missing", "has(channel)", nil, false},
		{"missing categorical", "missing(channel)", nil, true},
		{"has constant", "has(1)", nil, true},
		{"missing or", "missing(x) || x > 1", nil, true},
		{"has and", "has(x) && x > 1", nil, false},

		// Division by zero gives missing.
		{"div zero missing", "missing(x / 0)", env{"x": 1}, true},
		{"div zero not inf", "x / y > 0", env{"x": 1, "y": 0}, false},
		{"div zero not neg inf", "x / y < 0", env{"x": -1, "y": 0}, false},
		{"div neg zero", "missing(x / y)", env{"x": 1, "y": math.Copysign(0, -1)}, true},
		{"div zero zero", "has(x / y)", env{"x": 0, "y": 0}, false},
		{"div const zero", "1 / 0 > 0", nil, false},
		{"div const zero has", "has(1 / 0)", nil, false},
		{"div normal", "x / y == 2.5", env{"x": 5, "y": 2}, true},
		{"div missing", "has(x / y)", env{"x": 1}, false},

		// Functions.
		{"min", "min(x, y) == 1", env{"x": 1, "y": 2}, true},
		{"min swap", "min(y, x) == 1", env{"x": 1, "y": 2}, true},
		{"max", "max(x, y) == 2", env{"x": 1, "y": 2}, true},
		{"max swap", "max(y, x) == 2", env{"x": 1, "y": 2}, true},
		{"min missing left", "has(min(x, 1))", nil, false},
		{"min missing right", "has(min(1, x))", nil, false},
		{"max missing left", "max(x, 1) > 0", nil, false},
		{"max missing right", "max(1, x) > 0", nil, false},
		{"max missing inf", "has(max(y, x))", env{"x": math.Inf(1)}, false},
		{"min missing neg inf", "has(min(x, y))", env{"x": math.Inf(-1)}, false},
		{"min const", "min(1, 2) == 1", nil, true},
		{"max const", "max(1, 2) == 2", nil, true},
		{"min const missing", "has(min(1, 0/0))", nil, false},
		{"abs", "abs(x) == 2", env{"x": -2}, true},
		{"abs pos", "abs(x) == 2", env{"x": 2}, true},
		{"abs const", "abs(-3) == 3", nil, true},
		{"abs missing", "abs(x) >= 0", nil, false},
		{"nested functions", "max(abs(x), min(y, 10)) == 10", env{"x": -3, "y": 12}, true},
		{"function of expr", "abs(x - y) < 0.5", env{"x": 1, "y": 1.25}, true},

		// Categorical values.
		{"cat eq", `channel == "app"`, env{"channel": "app"}, true},
		{"cat eq other", `channel == "app"`, env{"channel": "web"}, false},
		{"cat eq missing", `channel == "app"`, nil, false},
		{"cat ne", `channel != "app"`, env{"channel": "web"}, true},
		{"cat ne same", `channel != "app"`, env{"channel": "app"}, false},
		{"cat ne missing", `channel != "app"`, nil, false},
		{"cat not eq missing", `!(channel == "app")`, nil, true},
		{"cat literal left", `"app" == channel`, env{"channel": "app"}, true},
		{"cat in", `channel in ("app", "web")`, env{"channel": "web"}, true},
		{"cat in no", `channel in ("app", "web")`, env{"channel": "email"}, false},
		{"cat in missing", `channel in ("app", "web")`, nil, false},
		{"cat not in missing", `!(channel in ("app", "web"))`, nil, true},
		{"cat in one", `device in ("mobile")`, env{"device": "mobile"}, true},
		{"cat in paren name", `(device) in ("mobile")`, env{"device": "mobile"}, true},
		{"cat empty string", `channel == ""`, env{"channel": ""}, true},
		{"cat escapes", `geo.country == "a\"b\\c"`, env{"geo.country": `a"b\c`}, true},
		{"cat utf8", `geo.country == "Österreich"`, env{"geo.country": "Österreich"}, true},
		{"cat case sensitive", `channel == "App"`, env{"channel": "app"}, false},

		// Numeric sets.
		{"num in", "x in (1, 2, 3)", env{"x": 2}, true},
		{"num in no", "x in (1, 2, 3)", env{"x": 4}, false},
		{"num in missing", "x in (1, 2, 3)", nil, false},
		{"num in negative", "x in (-1, 5)", env{"x": -1}, true},
		{"num in expr", "x + 1 in (3)", env{"x": 2}, true},
		{"num in expr missing", "x + 1 in (3)", nil, false},
		{"num in zero sign", "x in (0)", env{"x": math.Copysign(0, -1)}, true},
		{"num in fraction", "x in (0.5, 1e3)", env{"x": 1000}, true},
		{"in and", "x in (1) && y in (2)", env{"x": 1, "y": 2}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile(tt.src, testVars)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tt.src, err)
			}
			vals := tt.env.vals(testVars)
			if got := p.Eval(vals); got != tt.want {
				t.Errorf("Eval(%q) with %v = %v, want %v", tt.src, tt.env, got, tt.want)
			}
			root, _, perr := parse(tt.src, testVars)
			if perr != nil {
				t.Fatal(perr)
			}
			if got := refEval(root, vals) != 0; got != tt.want {
				t.Errorf("reference evaluator disagrees with the table for %q: %v", tt.src, got)
			}
			checkProgram(t, p)
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		src    string
		offset int
		msg    string
	}{
		{"", 0, "empty rule"},
		{"   ", 3, "empty rule"},
		{"x >", 3, "expected a value, found end of rule"},
		{"x > 1 &&", 8, "expected a value, found end of rule"},
		{"x > * 1", 4, `expected a value, found "*"`},
		{"cart_vlaue > 1", 0, `unknown name "cart_vlaue" (did you mean "cart_value"?)`},
		{"x > 1 || foo > 1", 9, `unknown name "foo"`},
		{"x > 1 && channel == 3", 17, `cannot compare categorical "channel" with number`},
		{`x == "app"`, 2, `cannot compare numeric "x" with string "app"`},
		{`channel < "app"`, 8, `categorical "channel" can only be compared with ==, != or in, not <`},
		{`channel == device`, 8, `cannot compare categorical "channel" with categorical "device"`},
		{`channel == (x > 1)`, 8, `cannot compare categorical "channel" with condition`},
		{`"a" == "b"`, 4, `cannot compare string "a" with string "b"`},
		{"x > true", 2, `cannot compare numeric "x" with condition`},
		{"(x > 1) < (y > 1)", 8, "conditions can only be compared with == or !=, not <"},
		{"x < y < z", 6, "comparisons cannot be chained"},
		{"x == y == z", 7, "comparisons cannot be chained"},
		{"x < 1 in (1)", 6, "comparisons cannot be chained"},
		{"x + 1", 0, "rule must be a condition (true or false), got number"},
		{"  channel", 2, `rule must be a condition (true or false), got categorical "channel"`},
		{`"app"`, 0, `rule must be a condition (true or false), got string "app"`},
		{"x && y > 1", 0, `&& needs a condition on each side, got numeric "x"`},
		{"y > 1 || x", 9, `|| needs a condition on each side, got numeric "x"`},
		{"!x", 1, `! needs a condition, got numeric "x"`},
		{"channel + 1 > 2", 0, `arithmetic needs numbers, got categorical "channel"`},
		{"(x > 1) + 1 > 0", 1, "arithmetic needs numbers, got condition"},
		{`x * "a" > 0`, 4, `arithmetic needs numbers, got string "a"`},
		{`x > -"a"`, 5, `unary - needs a number, got string "a"`},
		{"-(x > 1)", 2, "unary - needs a number, got condition"},
		{"x = 1", 2, "use == to compare"},
		{"x => 1", 2, "use >= instead"},
		{"x =< 1", 2, "use <= instead"},
		{"x > 1 & y > 1", 6, "use && (and)"},
		{"x > 1 | y > 1", 6, "use || (or)"},
		{"channel == 'app'", 11, "double quotes"},
		{`channel == "app`, 11, "unterminated string"},
		{`channel == "a\nb"`, 13, `unsupported escape in string: only \" and \\ are allowed`},
		{"x > 1.", 4, `malformed number "1."`},
		{"x > 1e", 4, `malformed number "1e"`},
		{"x > 1e+", 4, `malformed number "1e+"`},
		{"x > 80abc", 4, `malformed number "80abc"`},
		{"x > 0x10", 4, `malformed number "0x10"`},
		{"x > 1.5.2", 4, `malformed number "1.5.2"`},
		{"x > .5", 4, "numbers need a digit before the decimal point"},
		{"x > 1e999", 4, "number 1e999 is out of range"},
		{"(x > 1", 6, `expected ")" to close "(" at offset 0, found end of rule`},
		{"x > 1)", 5, `unexpected ")" without matching "("`},
		{"x > 1 and y > 1", 6, `use && instead of "and"`},
		{"x > 1 OR y > 1", 6, `use || instead of "OR"`},
		{"x > 1 y", 6, `unexpected name "y"; missing && or ||?`},
		{"x > 1 2", 6, "unexpected number 2; missing && or ||?"},
		{"x > 1 !", 6, `unexpected "!"`},
		{"has()", 0, "has takes 1 argument, got 0"},
		{"min(x) > 1", 0, "min takes 2 arguments, got 1"},
		{"abs(x, y) > 1", 0, "abs takes 1 argument, got 2"},
		{"mx(x, y) > 1", 0, `unknown function "mx" (did you mean "max"?)`},
		{"frobnicate(x)", 0, `unknown function "frobnicate"`},
		{"min(x y) > 1", 6, `expected "," or ")" in call of min, found name "y"`},
		{`has("x")`, 4, `has needs a variable, got string "x" (names are not quoted)`},
		{"has(x > 1)", 4, "has needs a number or a categorical name, got condition"},
		{"min(channel, 1) > 1", 4, `min needs numbers, got categorical "channel"`},
		{"x in ()", 6, "empty in list"},
		{"x in (1, y)", 9, `in list holds only number or string literals, found name "y"`},
		{"x in (1,)", 8, `in list holds only number or string literals, found ")"`},
		{`channel in ("app", 2)`, 19, `cannot compare categorical "channel" with number`},
		{`x in ("a")`, 6, `cannot compare numeric "x" with string "a"`},
		{`channel in (-"a")`, 12, "cannot negate a string"},
		{"x in 1", 5, `expected "(" after in, found number 1`},
		{`x in (1 2)`, 8, `expected "," or ")" in in list, found number 2`},
		{"(x > 1) in (1)", 1, "in needs a number or a categorical name on its left, got condition"},
		{"in > 1", 0, `expected a value, found "in"`},
		{"x # 1", 2, "unexpected character '#'"},
		{"x > 1 || é", 9, "unexpected character 'é'"},
		{"x > 1 || \x00", 9, `unexpected character '\x00'`},
		{strings.Repeat(" ", 1025), 1024, "rule is longer than 1024 bytes"},
		{strings.Repeat("(", 33) + "x > 1" + strings.Repeat(")", 33), 32, "rule nests too deeply (more than 32 levels)"},
		{strings.Repeat("!", 33) + "true", 32, "rule nests too deeply"},
		{"x > " + strings.Repeat("-", 33) + "1", 36, "rule nests too deeply"},
		{strings.Repeat("abs(", 33) + "x" + strings.Repeat(")", 33) + " > 1", 131, "rule nests too deeply"},
		// 146 sums compared and joined by || need 4 instructions each; the
		// 257th instruction is the first of the 65th term.
		{strings.TrimSuffix(strings.Repeat("x+y>1||", 146), "||"), 64 * 7, "rule is too long (more than 256 instructions"},
		{"x in (" + strings.TrimSuffix(strings.Repeat("1,", 256), ",") + ")", 6 + 255*2, "in list is too long"},
		// Nesting within limits, but the right-nested sum needs 33 stack
		// entries; the 33rd push is the innermost x.
		{strings.Repeat("x+(", 31) + "x+x" + strings.Repeat(")", 31) + " > 1", 31*3 + 2, "rule is too complex to evaluate (needs more than 32 stack entries)"},
	}
	if len(tests) < 20 {
		t.Fatal("need at least 20 bad expressions")
	}
	for _, tt := range tests {
		name := tt.src
		if len(name) > 40 {
			name = name[:40] + "…"
		}
		t.Run(name, func(t *testing.T) {
			p, err := Compile(tt.src, testVars)
			if err == nil {
				t.Fatalf("Compile(%q) succeeded, want error", tt.src)
			}
			if p != nil {
				t.Errorf("Compile(%q) returned a program with its error", tt.src)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			if e.Offset != tt.offset || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("Compile(%q) = %q, want offset %d and message containing %q", tt.src, err, tt.offset, tt.msg)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	_, err := Compile("x > 1 && channel == 3", testVars)
	const want = `at offset 17: cannot compare categorical "channel" with number`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestInvalidSlot(t *testing.T) {
	vars := map[string]Var{"neg": {Slot: -1}, "ok": {Slot: 0}}
	_, err := Compile("ok > 1 && neg > 1", vars)
	var e *Error
	if !errors.As(err, &e) || e.Offset != 10 || !strings.Contains(e.Msg, `"neg" has invalid slot -1`) {
		t.Fatalf("got %v", err)
	}
	if _, err := Compile("x > 1", nil); err == nil {
		t.Fatal("nil vars: want unknown name error")
	}
}

func TestLimitsJustInside(t *testing.T) {
	for _, src := range []string{
		strings.Repeat("(", 32) + "x > 1" + strings.Repeat(")", 32),
		strings.Repeat("!", 32) + "true",
		strings.Repeat("x+(", 30) + "x+x" + strings.Repeat(")", 30) + " > 1", // 32 stack entries
		strings.Repeat("x>1||", 127) + "!(x>1)",                              // 256 instructions
		"x in (" + strings.TrimSuffix(strings.Repeat("1,", 255), ",") + ")",  // 255 elements + 1
		"x > 1" + strings.Repeat(" ", 1024-5),
	} {
		p, err := Compile(src, testVars)
		if err != nil {
			t.Errorf("Compile(%.40q…): %v", src, err)
			continue
		}
		checkProgram(t, p)
		p.Eval([]float64{1, 2, 3, 4, 5, 6, 7})
	}
}

func TestStringCode(t *testing.T) {
	for _, s := range []string{"", "app", "web", "Österreich", strings.Repeat("x", 300)} {
		h := fnv.New32a()
		h.Write([]byte(s))
		if got, want := StringCode(s), float64(h.Sum32()); got != want {
			t.Errorf("StringCode(%q) = %v, want %v", s, got, want)
		}
	}
	// Known vector: FNV-1a 32 of "a" is 0xe40c292c.
	if StringCode("a") != 0xe40c292c {
		t.Errorf(`StringCode("a") = %x`, uint32(StringCode("a")))
	}
}

func TestNamesAndMaxSlot(t *testing.T) {
	p, err := Compile(`x > 1 && (channel == "app" || x < y) && has(x)`, testVars)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Names(), []string{"channel", "x", "y"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	p.Names()[0] = "mutated"
	if p.Names()[0] != "channel" {
		t.Error("Names() exposes the program's slice")
	}
	if got := p.MaxSlot(); got != 7 {
		t.Errorf("MaxSlot() = %d, want 7", got)
	}
	c, err := Compile("1 < 2", testVars)
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxSlot() != -1 || len(c.Names()) != 0 {
		t.Errorf("constant rule: MaxSlot %d, Names %q", c.MaxSlot(), c.Names())
	}
}

// Slots beyond len(vals) read as missing.
func TestShortVals(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{"missing(y)", true},
		{"has(y)", false},
		{"y != 1", false},
		{"!(y == 1)", true},
		{`channel != "app"`, false},
		{`!(channel in ("app"))`, true},
		{"missing(y + 1)", true},
		{"x == 1", false},
	}
	for _, tt := range tests {
		p, err := Compile(tt.src, testVars)
		if err != nil {
			t.Fatal(err)
		}
		for _, vals := range [][]float64{nil, {}, {1, 1, 1}} {
			if got := p.Eval(vals); got != tt.want {
				t.Errorf("Eval(%q) with %d values = %v, want %v", tt.src, len(vals), got, tt.want)
			}
		}
	}
}

func TestZeroProgram(t *testing.T) {
	var p Program
	if p.Eval([]float64{1}) || p.MaxSlot() != -1 || p.Names() != nil {
		t.Error("zero Program")
	}
	var np *Program
	if np.Eval(nil) || np.MaxSlot() != -1 || np.Names() != nil {
		t.Error("nil Program")
	}
}

func TestEvalAllocs(t *testing.T) {
	for _, r := range benchRules {
		p, err := Compile(r.src, benchVars)
		if err != nil {
			t.Fatal(err)
		}
		vals := benchValues(16)
		i := 0
		allocs := testing.AllocsPerRun(1000, func() {
			p.Eval(vals[i%len(vals)])
			i++
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per Eval", r.name, allocs)
		}
	}
}

func TestConcurrentEval(t *testing.T) {
	p, err := Compile(benchRules[1].src, benchVars)
	if err != nil {
		t.Fatal(err)
	}
	vals := benchValues(64)
	want := make([]bool, len(vals))
	for i, v := range vals {
		want[i] = p.Eval(v)
	}
	done := make(chan bool)
	for range 4 {
		go func() {
			ok := true
			for range 200 {
				for i, v := range vals {
					ok = ok && p.Eval(v) == want[i]
				}
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("concurrent Eval disagreed")
		}
	}
}

// TestJumpThreading checks that && and || chains jump straight to the end.
func TestJumpThreading(t *testing.T) {
	p, err := Compile("x > 1 && y > 1 && z > 1 && p_alive > 1", testVars)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.code) != 4 {
		t.Errorf("got %d instructions, want 4 fused comparisons", len(p.code))
	}
	checkJumpsToEnd(t, p)
	// Joins prevent fusion; threading still jumps straight to the end.
	p, err = Compile("(x > 1 && y > 1) && (z > 1 && !(p_alive > 1 || x < 0)) && y < 3", testVars)
	if err != nil {
		t.Fatal(err)
	}
	checkJumpsToEnd(t, p)
}

func checkJumpsToEnd(t *testing.T, p *Program) {
	t.Helper()
	end := len(p.code)
	for i := range p.code {
		if jumpsOn(&p.code[i]) == 0 && i+1+int(p.code[i].n) != end {
			t.Errorf("&& jump at %d lands on %d, want %d", i, i+1+int(p.code[i].n), end)
		}
	}
}

// checkProgram verifies the invariants Eval relies on: size limits, forward
// jumps inside the code, in-lists inside sets, and a stack depth of at most
// maxDepth on every path, ending with exactly one value.
func checkProgram(t testing.TB, p *Program) {
	t.Helper()
	elems := 0
	for _, s := range p.sets {
		elems += len(s)
	}
	if len(p.code)+elems > maxInstr {
		t.Fatalf("program has %d instructions and %d in-list elements", len(p.code), elems)
	}
	depth := make([]int, len(p.code)+1) // depth before each pc; -1 unknown
	for i := range depth {
		depth[i] = -1
	}
	depth[0] = 0
	merge := func(pc, d int) {
		if d > maxDepth {
			t.Fatalf("stack overflow before %d", pc)
		}
		if depth[pc] >= 0 && depth[pc] != d {
			t.Fatalf("inconsistent stack depth at %d: %d vs %d", pc, depth[pc], d)
		}
		depth[pc] = d
	}
	for pc := range p.code {
		in := &p.code[pc]
		d := depth[pc]
		if d < 0 {
			t.Fatalf("unreachable instruction %d", pc)
		}
		target := pc + 1 + int(in.n)
		if target > len(p.code) {
			t.Fatalf("jump at %d to %d beyond the end", pc, target)
		}
		// pop: entries consumed; push: entries produced on the
		// fall-through path; keep: entries produced when jumping.
		var pop, push, keep int
		jumps := false
		switch {
		case in.op == opConst || in.op == opVar:
			push = 1
		case in.op == opNeg || in.op == opAbs:
			pop, push = 1, 1
		case in.op >= opAdd && in.op <= opMax:
			pop, push = 2, 1
		case in.op == opJF || in.op == opJT:
			pop, push, keep, jumps = 1, 0, 1, true
		case isCond(in.op):
			switch {
			case pushes(in.op):
			case in.op >= opLt && in.op <= opNe:
				pop = 2
			default:
				pop = 1
			}
			switch in.when {
			case whenAlways:
				push = 1
				if in.n != 0 {
					t.Fatalf("unfused condition at %d jumps", pc)
				}
			case whenFalse, whenTrue:
				push, keep, jumps = 0, 1, true
			default:
				t.Fatalf("bad when %d at %d", in.when, pc)
			}
			if in.op == opIn || in.op == opInV {
				if int(in.set) >= len(p.sets) || len(p.sets[in.set]) == 0 {
					t.Fatalf("in-list at %d out of range", pc)
				}
			}
		default:
			t.Fatalf("bad opcode %d at %d", in.op, pc)
		}
		if !jumps && in.n != 0 {
			t.Fatalf("non-jump at %d has distance %d", pc, in.n)
		}
		if d < pop {
			t.Fatalf("stack underflow at %d", pc)
		}
		if jumps {
			merge(target, d-pop+keep)
		}
		merge(pc+1, d-pop+push)
	}
	if depth[len(p.code)] != 1 {
		t.Fatalf("program ends with %d stack entries", depth[len(p.code)])
	}
}

func TestInstrSize(t *testing.T) {
	if s := unsafe.Sizeof(instr{}); s != 16 {
		t.Errorf("instr is %d bytes, want 16", s)
	}
}
