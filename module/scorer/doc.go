// Package scorer makes one decision: from a shopper context and a compiled
// bundle to propensity, lifetime value, segments and the most profitable
// action, with the probability of that action and the reasons behind the
// score.
//
// A Scorer is per goroutine (or per wasm instance) scratch around an
// immutable bundle; Decide allocates nothing, uses no clock and draws its
// randomness only from the context's seed and shopper id.
package scorer
