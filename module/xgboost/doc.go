// Package xgboost imports models saved in XGBoost's JSON model format
// (Booster.save_model("model.json")) into a gbdt.Spec.
//
// It is used by the bundle builder, not by the wasm guest, so it uses
// encoding/json freely and favours precise error messages over speed: every
// error names the JSON path of the offending value, e.g.
//
//	xgboost: learner.gradient_booster.model.trees[7].split_indices: length 12, want 15 (num_nodes)
//
// # Format versions
//
// The JSON schema has been stable since XGBoost 1.0; the differences that
// matter here are in learner.learner_model_param.base_score:
//
//   - 1.x: a string holding one float32, e.g. "3E-1", the user's base_score
//     (default 0.5) in output space.
//   - 2.x: the same spelling, but by default the value is an intercept
//     estimated from the training labels (boost_from_average) rather than 0.5.
//     It is stored and applied exactly as in 1.x.
//   - 3.1 and later: a JSON list inside the string, one value per output,
//     e.g. "[3E-1]" or "[1E-1,2E-1,3E-1]". A one-value list is broadcast to
//     every output, as XGBoost does for models written before 3.1.
//
// Parse also accepts a JSON number or array for base_score, and "(…)" lists
// (XGBoost's reader does). The margin (gbdt.Spec.BaseMargin) is XGBoost's
// ProbToMargin of the stored value: the logit -log(1/p - 1) for
// binary:logistic, which requires 0 < p < 1, and the identity for
// reg:squarederror and multi:softprob. For multi:softprob this was checked
// empirically against XGBoost 1.7.4: with base_score 0.2, every class margin
// is 0.2 plus the class's leaves (no log). In the 3.x sources, multi:softprob
// still has the identity ProbToMargin and estimates its intercept as centred
// log class priors, i.e. already a margin, so the identity holds there too
// (an assumption from reading the sources: no 3.x model was available here).
//
// Other version differences are tolerated: default_left may be 0/1 or
// true/false; integers may be JSON numbers or decimal strings (XGBoost writes
// parameters as strings); gbtree's iteration_indptr (2.0+) is checked for
// consistency when present; the bare NaN/Infinity tokens XGBoost writes for
// non-finite floats are reported as non-finite values at their path.
// The top-level "version" field is not consulted: every spelling above is
// recognized whatever version wrote it. UBJSON models (the binary JSON XGBoost ≥ 2.1 writes for file names not
// ending in .json) are not read: save with a .json name.
//
// # What is imported
//
// Objectives binary:logistic, reg:squarederror (and its deprecated alias
// reg:linear) and multi:softprob; other objectives are rejected by name.
// Boosters gbtree and dart. A dart model's weight_drop (one weight per tree,
// applied at prediction time outside training) is folded into the leaf
// values: leaf × weight rounded to float32, which is exactly the product
// XGBoost adds per tree. gblinear is rejected, as are categorical splits
// (split_type ≠ 0 or categories_nodes), multi-output trees (size_leaf_vector
// > 1) and multi-target models (num_target > 1).
//
// Leaf values are taken from split_conditions (XGBoost stores a leaf's value,
// learning rate included, there); base_weights are training statistics (the
// unscaled weight for the exact updater, but equal to the leaf for hist in
// 1.7) and are only type- and length-checked. sum_hessian becomes Node.Cover.
//
// All trees are imported; learner.attributes.best_iteration (early stopping)
// is ignored, as Booster.predict does by default.
//
// # Validation
//
// Every tree array must have tree_param.num_nodes entries; children must be
// in range; every node must be reached at most once from the root (no cycles
// or shared children) and a leaf has both children -1; split features must
// be < num_feature; thresholds, leaf values and covers must be finite (covers
// ≥ 0). Nodes deleted by XGBoost's pruner stay in the arrays but are
// unreachable; their number must equal tree_param.num_deleted, and they are
// dropped (the remaining nodes renumbered in order, so trees without deleted
// nodes keep XGBoost's node ids). Tree ids must be a permutation of
// 0..num_trees-1 (XGBoost places tree "id" at that index), tree_info must
// give each tree a group < num_class, and num_trees must agree with the
// trees and tree_info arrays.
//
// Limits of the compiled scorer (depth, tree count, feature count) are not
// enforced here; gbdt.Compile enforces them.
package xgboost
