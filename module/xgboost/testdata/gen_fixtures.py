#!/usr/bin/python3
"""Regenerate the XGBoost fixtures used by module/xgboost's tests.

Run with the Debian interpreter (python3-xgboost 1.7.4, numpy, scikit-learn):

    cd module/xgboost/testdata && /usr/bin/python3 gen_fixtures.py

Everything is deterministic: fixed numpy seeds, XGBoost seed, nthread=1.

For every model NAME this writes:

    NAME.json          booster.save_model() output (XGBoost JSON model format)
    NAME.input.csv     test rows: header of feature names, float32 values
                       written with %.9g (round-trips float32), "nan" = missing
    NAME.margin.csv    XGBoost predict(output_margin=True), one column per group
    NAME.pred.csv      XGBoost predict(), one column per group
    NAME.contrib.csv   XGBoost predict(pred_contribs=True, approx_contribs=True):
                       per row, for group g = 0..NumClass-1, NumFeature+1
                       columns (bias last), group-major

binary_v2.json and binary_v31.json are NOT produced by XGBoost 2.x / 3.1 (only
1.7.4 is installed here). They are binary.json with the fields that those
versions write differently rewritten by hand (see rewrite_version below), so
the expected outputs for them are exactly binary's: the tests reuse
binary.input.csv / binary.margin.csv / binary.pred.csv / binary.contrib.csv.
"""
import json
import os
import sys

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))

assert xgb.__version__.startswith("1.7"), "fixtures are generated with XGBoost 1.7.x, got " + xgb.__version__


def fmt(v):
    v = float(v)
    if np.isnan(v):
        return "nan"
    return "%.9g" % v


def write_csv(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(fmt(v) for v in r) + "\n")


def make_data(rng, n, n_feat, nan_frac):
    """float32 features with structure, then a fraction of entries set to NaN."""
    X = rng.randn(n, n_feat).astype(np.float32)
    # a couple of discrete-ish features so that many rows tie on thresholds
    if n_feat > 3:
        X[:, 3] = rng.randint(0, 6, size=n).astype(np.float32)
    if n_feat > 5:
        X[:, 5] = rng.randint(0, 2, size=n).astype(np.float32)
    mask = rng.rand(n, n_feat) < nan_frac
    Xn = X.copy()
    Xn[mask] = np.nan
    return X, Xn, mask


def thresholds(booster):
    """(feature index, threshold) of every split in the model."""
    model = json.loads(booster.save_raw("json").decode())
    gb = model["learner"]["gradient_booster"]
    if gb["name"] == "dart":
        gb = gb["gbtree"]
    out = []
    for t in gb["model"]["trees"]:
        for i, l in enumerate(t["left_children"]):
            if l != -1:
                out.append((t["split_indices"][i], t["split_conditions"][i]))
    return out


def make_test_rows(rng, booster, n_feat, n_rows=240):
    """Random rows with NaNs, rows sitting exactly on split thresholds, and a
    few hand-written edge rows (all missing, zeros, huge magnitudes)."""
    _, Xt, _ = make_data(rng, n_rows, n_feat, 0.15)
    th = thresholds(booster)
    # about a quarter of the rows: put 1-3 features exactly on a threshold
    # (float32, as stored in the model) - exercises x < t vs x >= t.
    for r in range(0, n_rows, 4):
        for _ in range(1 + r % 3):
            f, t = th[rng.randint(len(th))]
            Xt[r, f] = np.float32(t)
    # one row per split, on its threshold, other features missing except one
    extra = []
    for k, (f, t) in enumerate(th[:40]):
        row = np.full(n_feat, np.nan, dtype=np.float32)
        row[f] = np.float32(t)
        extra.append(row)
    extra.append(np.full(n_feat, np.nan, dtype=np.float32))
    extra.append(np.zeros(n_feat, dtype=np.float32))
    extra.append(np.full(n_feat, 3.0e38, dtype=np.float32))
    extra.append(np.full(n_feat, -3.0e38, dtype=np.float32))
    extra.append(np.full(n_feat, np.float32(1e-30), dtype=np.float32))
    return np.vstack([Xt, np.array(extra, dtype=np.float32)]).astype(np.float32)


def dump_outputs(name, booster, Xt, feature_names, n_class):
    # XGBoost's JSON model is written by XGBoost itself.
    booster.save_model(os.path.join(HERE, name + ".json"))
    # Reload from the file to be sure the outputs are those of the saved model.
    b = xgb.Booster(model_file=os.path.join(HERE, name + ".json"))
    b.set_param({"nthread": 1})
    n_feat = Xt.shape[1]
    dm = xgb.DMatrix(Xt, missing=np.nan, feature_names=feature_names, nthread=1)
    margin = b.predict(dm, output_margin=True).reshape(len(Xt), n_class)
    pred = b.predict(dm).reshape(len(Xt), n_class)
    contrib = b.predict(dm, pred_contribs=True, approx_contribs=True).reshape(len(Xt), n_class * (n_feat + 1))
    hdr = feature_names if feature_names else ["f%d" % i for i in range(n_feat)]
    write_csv(os.path.join(HERE, name + ".input.csv"), hdr, Xt)
    write_csv(os.path.join(HERE, name + ".margin.csv"), ["margin%d" % g for g in range(n_class)], margin)
    write_csv(os.path.join(HERE, name + ".pred.csv"), ["pred%d" % g for g in range(n_class)], pred)
    ch = ["g%d_%s" % (g, c) for g in range(n_class) for c in hdr + ["bias"]]
    write_csv(os.path.join(HERE, name + ".contrib.csv"), ch, contrib)
    return margin, pred


def train(params, X, y, rounds, feature_names=None):
    p = {"nthread": 1, "seed": 7}
    p.update(params)
    dm = xgb.DMatrix(X, label=y, missing=np.nan, feature_names=feature_names, nthread=1)
    return xgb.train(p, dm, num_boost_round=rounds)


def gen_binary():
    rng = np.random.RandomState(1)
    names = ["age", "sessions", "cart_value", "days_since_visit",
             "pages_viewed", "is_mobile", "discount_pct", "referrer_score"]
    X, Xn, mask = make_data(rng, 3000, 8, 0.15)
    logit = 1.2 * X[:, 0] - 0.8 * X[:, 1] + 0.5 * X[:, 2] * X[:, 4] - 0.3 * X[:, 3] + 0.7 * X[:, 5]
    # missingness is informative, so the learned default directions differ
    logit = logit + 1.5 * mask[:, 1] - 1.0 * mask[:, 6] + 0.8 * mask[:, 0]
    y = (rng.rand(3000) < 1 / (1 + np.exp(-logit))).astype(np.float32)
    b = train({"objective": "binary:logistic", "base_score": 0.3, "max_depth": 5,
               "eta": 0.3, "min_child_weight": 8, "gamma": 1.0, "tree_method": "hist",
               "max_bin": 64}, Xn, y, 30, names)
    Xt = make_test_rows(rng, b, 8)
    return dump_outputs("binary", b, Xt, names, 1)


def gen_regression():
    rng = np.random.RandomState(2)
    names = ["basket", "visits", "recency", "tier", "clicks", "promo"]
    X, Xn, mask = make_data(rng, 2000, 6, 0.15)
    y = (2.5 + 1.5 * X[:, 0] + np.sin(X[:, 1]) * 2 - 0.5 * X[:, 3] + 0.3 * X[:, 4] * X[:, 5]
         + 0.8 * mask[:, 2] + 0.2 * rng.randn(2000)).astype(np.float32)
    # exact greedy (thresholds are midpoints between observed values), pruning
    # with gamma so some trees are not complete.
    b = train({"objective": "reg:squarederror", "base_score": 2.5, "max_depth": 4,
               "eta": 0.2, "min_child_weight": 20, "gamma": 2.0, "tree_method": "exact"},
              Xn, y, 20, names)
    Xt = make_test_rows(rng, b, 6)
    return dump_outputs("regression", b, Xt, names, 1)


def gen_multiclass():
    rng = np.random.RandomState(3)
    names = ["m0", "m1", "m2", "m3", "m4"]
    X, Xn, mask = make_data(rng, 1500, 5, 0.15)
    score = np.stack([X[:, 0] + 0.5 * mask[:, 1], X[:, 1] - 0.3 * X[:, 3], 0.5 * X[:, 2] * X[:, 4]], axis=1)
    y = np.argmax(score + 0.5 * rng.randn(1500, 3), axis=1).astype(np.float32)
    # base_score 0.2 (not the 0.5 default) so that its treatment is visible in
    # the margins: XGBoost 1.7 adds it to every class margin as is.
    b = train({"objective": "multi:softprob", "num_class": 3, "base_score": 0.2,
               "max_depth": 4, "eta": 0.3, "min_child_weight": 5, "gamma": 0.5,
               "tree_method": "hist"}, Xn, y, 10, names)
    Xt = make_test_rows(rng, b, 5)
    return dump_outputs("multiclass", b, Xt, names, 3)


def gen_stumps():
    # depth-1 trees, default base_score (0.5 -> margin 0), NO feature names.
    rng = np.random.RandomState(4)
    X, Xn, mask = make_data(rng, 1000, 4, 0.15)
    y = ((X[:, 0] + X[:, 2] + 0.5 * rng.randn(1000)) > 0).astype(np.float32)
    b = train({"objective": "binary:logistic", "max_depth": 1, "eta": 0.5,
               "tree_method": "exact"}, Xn, y, 15)
    Xt = make_test_rows(rng, b, 4)
    return dump_outputs("stumps", b, Xt, None, 1)


def gen_dart():
    # DART booster: prediction scales every tree by its weight_drop entry.
    rng = np.random.RandomState(5)
    names = ["d0", "d1", "d2", "d3", "d4", "d5"]
    X, Xn, mask = make_data(rng, 1500, 6, 0.15)
    y = (X[:, 0] - X[:, 1] + 0.4 * X[:, 3] + 0.5 * rng.randn(1500)).astype(np.float32)
    b = train({"objective": "reg:squarederror", "booster": "dart", "base_score": 1.0,
               "max_depth": 3, "eta": 0.3, "rate_drop": 0.3, "skip_drop": 0.0,
               "sample_type": "uniform", "normalize_type": "tree",
               "tree_method": "exact"}, Xn, y, 12, names)
    Xt = make_test_rows(rng, b, 6)
    return dump_outputs("dart", b, Xt, names, 1)


def replace_once(s, old, new):
    assert s.count(old) == 1, (old, s.count(old))
    return s.replace(old, new)


def rewrite_version(src, dst, version, base_score, n_trees):
    """Copy src to dst, rewriting the fields newer XGBoost versions store
    differently. Text substitution keeps every tree byte-identical.

    Assumptions (only 1.7.4 is available here; from XGBoost's sources):
      * 2.x: learner_model_param.base_score is still a single float in a
        string, in output (probability) space, e.g. "3E-1"; 2.x may have
        estimated it from the labels (boost_from_average) but it is stored and
        applied the same way (ProbToMargin at load). gbtree's model gains
        "iteration_indptr" (tree index where each boosting round starts).
      * 3.1: base_score becomes a JSON array serialized into the string, one
        entry per output, e.g. "[3E-1]" (ParamArray<float>, written by XGBoost's
        JSON writer, no spaces). Older single-float strings are still read.
    The expected outputs are therefore identical to src's.
    """
    with open(os.path.join(HERE, src)) as f:
        s = f.read()
    s = replace_once(s, '"base_score":"3E-1"', '"base_score":"%s"' % base_score)
    s = replace_once(s, '"version":[1,7,4]', '"version":[%d,%d,%d]' % version)
    s = replace_once(s, '"tree_info":[', '"iteration_indptr":[%s],"tree_info":[' %
                     ",".join(str(i) for i in range(n_trees + 1)))
    with open(os.path.join(HERE, dst), "w") as f:
        f.write(s)


def main():
    bm, bp = gen_binary()
    gen_regression()
    mm, mp = gen_multiclass()
    gen_stumps()
    gen_dart()
    rewrite_version("binary.json", "binary_v2.json", (2, 1, 0), "3E-1", 30)
    rewrite_version("binary.json", "binary_v31.json", (3, 1, 0), "[3E-1]", 30)
    print("wrote fixtures with xgboost", xgb.__version__, file=sys.stderr)


if __name__ == "__main__":
    main()
