// Package feature turns a shopper context into the numeric feature vector
// that models read, from a declarative spec carried in the bundle.
//
// A feature is a context field plus an ordered list of transforms (log1p,
// clip, standardize, onehot, hash_bucket, cyclic_sin/cos, is_missing).
// Missing values stay NaN through every transform, so tree models can route
// them down their default branch and linear models can impute them; only
// is_missing turns missingness into a value.
package feature
