// Package rule is a small, safe boolean expression language for rule
// segments, such as
//
//	cart_value > 80 && propensity < 0.3
//	channel == "app" && (p_alive < 0.4 || !has(frequency))
//
// A rule is compiled once, when a bundle loads (Compile), and then evaluated
// on every page load (Program.Eval). Compile resolves every name, checks
// types and enforces size limits, so that evaluation cannot fail: Eval runs
// a flat postfix program on a fixed-size stack, never allocates, recurses or
// panics, and always finishes in at most as many steps as the program has
// instructions (jumps only go forward).
//
// # Grammar
//
// In EBNF; whitespace (space, tab, CR, LF) may separate tokens.
//
//	rule       = or .
//	or         = and { "||" and } .
//	and        = not { "&&" not } .
//	not        = "!" not | comparison .
//	comparison = sum [ relation sum | "in" "(" literal { "," literal } ")" ] .
//	relation   = "<" | "<=" | ">" | ">=" | "==" | "!=" .
//	sum        = product { ( "+" | "-" ) product } .
//	product    = unary { ( "*" | "/" ) unary } .
//	unary      = "-" unary | primary .
//	primary    = number | string | "true" | "false" | name | call | "(" or ")" .
//	call       = function "(" [ or { "," or } ] ")" .
//	function   = "has" | "missing" | "min" | "max" | "abs" .
//	literal    = [ "-" ] number | string .
//	number     = digit { digit } [ "." digit { digit } ] [ ( "e" | "E" ) [ "+" | "-" ] digit { digit } ] .
//	string     = `"` { any byte but `"` and `\` | `\"` | `\\` } `"` .
//	name       = letter { letter | digit | "." | ":" } .
//	letter     = "A" … "Z" | "a" … "z" | "_" .
//
// So precedence, from lowest to highest, is: ||, &&, prefix !, the
// comparisons and in, + and -, * and /, prefix -. Binary operators are left
// associative; comparisons do not associate (a < b < c is an error; write
// a < b && b < c). Note that ! binds looser than comparisons: !x > 1 means
// !(x > 1).
//
// true, false and in are keywords. A name followed by "(" is a function
// call; any other name must be one of the variables passed to Compile (a
// variable may share a function's name). Number literals start with a digit
// (0.5, not .5).
//
// # Types
//
// Every expression is a number, a condition (true or false) or categorical,
// and Compile rejects mixing them:
//
//   - Numeric variables, number literals, arithmetic, min, max and abs are
//     numbers. Arithmetic and the relations take numbers.
//   - Comparisons, in, has, missing, true, false, !, && and || are
//     conditions. !, && and || take conditions, and a whole rule must be a
//     condition. Two conditions may be compared with == and != only.
//   - A categorical variable can only be compared with string literals, by
//     ==, != or in: channel == "app", device in ("mobile", "tablet"). String
//     literals appear nowhere else. Numbers never compare with strings.
//   - has and missing take a number or a categorical variable; in takes a
//     number or a categorical variable on its left and a non-empty list of
//     literals of the matching kind on its right.
//
// # Values
//
// Eval takes vals indexed by Var.Slot. A numeric variable holds its value;
// a categorical one holds StringCode of its value (the 32-bit FNV-1a hash,
// so two different strings may, rarely, compare equal). Slots beyond
// len(vals) read as missing, so a short or nil vals is safe;
// Program.MaxSlot tells how long vals must be to supply every variable.
//
// # Missing values
//
// A missing value is NaN (shopper.Missing); any NaN counts as missing.
//
//   - Arithmetic with a missing operand is missing, and so are min, max and
//     abs of a missing argument.
//   - Division by zero (x / 0, including 0 / 0) is missing, never ±Inf.
//     Other IEEE behaviour is kept: an overflowing product is ±Inf.
//   - Every comparison with a missing operand is false — including !=. So
//     x != 1 is false when x is missing, while !(x == 1) is true: the two
//     differ exactly for missing x. The same holds for categorical values:
//     channel != "app" is false when channel is missing.
//   - x in (…) is false when x is missing.
//   - has(x) is true when x is not missing, missing(x) when it is; they test
//     whole expressions too: missing(cart_value / aov) is true when either
//     is missing or aov is 0.
//   - Conditions are never missing.
//
// && and || short-circuit; as nothing has side effects, this only saves
// time.
//
// # Limits
//
// Compile rejects a rule that is longer than 1024 bytes, nests more than 32
// levels deep (each parenthesis, call and prefix ! or - is one level),
// compiles to more than 256 instructions (each in-list element counts as
// one), or needs more than 32 evaluation stack entries.
//
// # Errors
//
// Compile returns an *Error whose Offset is the byte offset in the source of
// the offending token or expression, for example
//
//	at offset 17: cannot compare categorical "channel" with number
//	at offset 0: unknown name "cart_vlaue" (did you mean "cart_value"?)
//
// The package imports neither fmt nor reflect: it is compiled into a
// size-capped WebAssembly module.
package rule
