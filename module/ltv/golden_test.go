package ltv

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"
)

// readCSV reads a CSV file with a header row and returns the rows as maps
// from column name to raw string. It skips the test if the file is absent.
func readCSV(t testing.TB, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			t.Skipf("%s not present", path)
		}
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 2 {
		t.Fatalf("%s: no data rows", path)
	}
	head := recs[0]
	out := make([]map[string]string, 0, len(recs)-1)
	for _, r := range recs[1:] {
		m := make(map[string]string, len(head))
		for i, h := range head {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// num parses a golden value; "inf", "-inf" and "nan" are accepted.
func num(t testing.TB, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("bad number %q: %v", s, err)
	}
	return v
}

// relErr is |got/want - 1|, with exact agreement of zeros and infinities
// counting as 0 and any other mismatch as +Inf.
func relErr(got, want float64) float64 {
	if got == want {
		return 0
	}
	if math.IsNaN(got) || math.IsInf(got, 0) || math.IsInf(want, 0) || want == 0 {
		return math.Inf(1)
	}
	return math.Abs(got/want - 1)
}

// relErrFloor is relErr with values below 1e-290 (subnormal territory, where
// float64 has reduced precision) compared absolutely.
func relErrFloor(got, want float64) float64 {
	if math.Abs(want) < 1e-290 && math.Abs(got) < 1e-290 {
		return math.Abs(got-want) / 1e-290
	}
	return relErr(got, want)
}

// cdnowDir holds the published CDNOW data, relative to this package.
const cdnowDir = "../../../shared/data/cdnow/"

type cdnowCustomer struct{ x, tx, T, zbar float64 }

// loadCDNOW reads cdnow_customers_summary_with_transactions.csv (weeks).
func loadCDNOW(tb testing.TB) []cdnowCustomer {
	tb.Helper()
	rows := readCSV(tb, cdnowDir+"cdnow_customers_summary_with_transactions.csv")
	out := make([]cdnowCustomer, len(rows))
	for i, r := range rows {
		out[i] = cdnowCustomer{num(tb, r["x"]), num(tb, r["t_x"]), num(tb, r["T"]), num(tb, r["zbar"])}
	}
	return out
}
