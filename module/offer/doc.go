// Package offer picks the most profitable action for a shopper — often no
// discount at all — from a catalogue of offers with eligibility rules, stock
// and costs, and records the probability of the choice for off-policy
// evaluation.
package offer
