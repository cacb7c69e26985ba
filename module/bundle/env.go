package bundle

import (
	"github.com/edgescore/edgescore/module/feature"
	"github.com/edgescore/edgescore/module/rule"
)

// Score slots in the rule environment, after the raw fields.
const (
	ScorePropensity = iota
	ScorePAlive
	ScoreExpectedPurchases
	ScoreExpectedAOV
	ScoreCLV
	ScoreCluster
	ScoreClusterDistance
	numScores
)

var scoreNames = [numScores]string{"propensity", "p_alive", "expected_purchases", "expected_aov", "clv", "cluster", "cluster_distance"}

// envLayout places every name a rule may use in one float64 slice:
//
//	[0, numFields)                raw context fields by feature.Field
//	[scoreBase, scoreBase+7)      scores (propensity, p_alive, …)
//	[featBase, featBase+F)        features by position
//
// A feature named like a field or score shadows it. Only the raw fields and
// features that some rule names are filled per decision.
type envLayout struct {
	vars      map[string]rule.Var
	scoreBase int
	featBase  int
	size      int
	rawNum    []feature.Field // numeric raw fields to fill
	rawCat    []feature.Field // categorical raw fields to fill
	feats     []int           // features to copy
	marked    []bool          // by slot: already in rawNum, rawCat or feats
}

func newEnvLayout(fs *feature.Set) envLayout {
	fields := feature.Fields()
	e := envLayout{vars: map[string]rule.Var{}}
	e.scoreBase = len(fields) + 1
	e.featBase = e.scoreBase + int(numScores)
	e.size = e.featBase + fs.Len()
	e.marked = make([]bool, e.size)
	for _, f := range fields {
		if f == feature.FieldAffinity {
			continue // needs a key: reach it through a feature
		}
		e.vars[f.String()] = rule.Var{Slot: int(f), Categorical: f.Categorical()}
	}
	for i, n := range scoreNames {
		e.vars[n] = rule.Var{Slot: e.scoreBase + i}
	}
	for i := 0; i < fs.Len(); i++ {
		e.vars[fs.Name(i)] = rule.Var{Slot: e.featBase + i}
	}
	return e
}

// use records the slots a compiled program reads.
func (e *envLayout) use(p *rule.Program) {
	for _, n := range p.Names() {
		v := e.vars[n]
		if e.marked[v.Slot] {
			continue
		}
		e.marked[v.Slot] = true
		switch {
		case v.Slot >= e.featBase:
			e.feats = append(e.feats, v.Slot-e.featBase)
		case v.Slot < e.scoreBase:
			f := feature.Field(v.Slot)
			if f.Categorical() {
				e.rawCat = append(e.rawCat, f)
			} else {
				e.rawNum = append(e.rawNum, f)
			}
		}
	}
}
