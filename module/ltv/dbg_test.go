package ltv
import ("testing";"sort";"fmt")
func TestDbg(t *testing.T){
	rows := readCSV(t, "testdata/hyp2f1.csv")
	type e struct{ err float64; s string }
	var es []e
	for _, r := range rows {
		a, b, c, z := num(t, r["a"]), num(t, r["b"]), num(t, r["c"]), num(t, r["z"])
		got := Hyp2F1(a, b, c, z)
		es = append(es, e{relErr(got, num(t, r["mpmath"])), fmt.Sprint(a,b,c,z,got)})
	}
	sort.Slice(es, func(i,j int)bool{return es[i].err>es[j].err})
	for _, x := range es[:25] { t.Log(x.err, x.s) }
}
