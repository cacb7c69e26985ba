#!/usr/bin/python3
"""Train the reference bundle's models and write golden outputs.

Run from anywhere with Debian's interpreter (python3-xgboost 1.7.4,
python3-sklearn 1.2.1, numpy):

    /usr/bin/python3 build/refbundle/train.py

Reads (written by `go run ./build/refbundle data`):
    build/refbundle/template.json          feature names (order) and the
                                           cluster features
    build/refbundle/data/train.csv.gz      training features, label, p_true
    module/testdata/contexts.features.csv  the 512 held-out feature rows

Writes:
    build/refbundle/out/xgb.json       XGBoost's own saved model (save_model)
    build/refbundle/out/logistic.json  {"intercept", "weights": {name: coef}}
    build/refbundle/out/kmeans.json    {"features", "mean", "scale", "centroids"}
    module/testdata/golden_models.csv  per held-out row: xgb_margin, xgb_prob,
        logistic_proba, logistic_decision, kmeans_label, kmeans_distance
    module/testdata/golden_contribs.csv  per held-out row: XGBoost's
        pred_contribs=True, approx_contribs=True (one column per feature,
        then bias)

Models:
  * XGBoost binary:logistic, exactly 100 trees of max_depth 6 (hist), NaN is
    missing, feature names = the spec's names, nthread=1, seeded.
  * scikit-learn LogisticRegression (lbfgs, C=1) on the features with NaN
    replaced by 0: the Go linear model skips missing features, i.e. treats
    them as contributing 0.
  * StandardScaler (fitted ignoring NaN) + KMeans(n_clusters=8, n_init=10,
    random_state=0) on the cluster features, NaN -> 0 after scaling: the Go
    cluster model imputes missing as 0 in standardized space.

Deterministic: fixed seeds and one thread everywhere (BLAS and OpenMP are
limited to one thread before numpy loads), so re-running reproduces every
file byte for byte on the same machine and library versions.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import gzip  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import xgboost as xgb  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import log_loss, roc_auc_score  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "out")
TESTDATA = os.path.join(ROOT, "module", "testdata")

assert xgb.__version__.startswith("1.7"), "models are trained with XGBoost 1.7.x, got " + xgb.__version__
assert sklearn.__version__.startswith("1.2"), "models are trained with scikit-learn 1.2.x, got " + sklearn.__version__

NUM_TREES = 100
XGB_PARAMS = {
    "objective": "binary:logistic",
    "max_depth": 6,
    "eta": 0.05,
    "min_child_weight": 20,
    "gamma": 0.5,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "lambda": 10.0,
    "tree_method": "hist",
    "max_bin": 256,
    "nthread": 1,
    "seed": 20260101,
}


def read_csv(path, opener=open):
    """Header and float32 matrix; 'nan' is missing. Values are written with 9
    significant digits, so parsing to float64 and rounding to float32 gives
    back exactly the float32 the Go featurizer computed."""
    with opener(path, "rt") as f:
        header = f.readline().rstrip("\n").split(",")
        rows = [[float(v) for v in line.rstrip("\n").split(",")] for line in f if line.strip()]
    return header, np.array(rows, dtype=np.float64)


def f32(v):
    v = float(v)
    return "nan" if np.isnan(v) else "%.9g" % v


def f64(v):
    v = float(v)
    return "nan" if np.isnan(v) else repr(v)


def write_csv(path, header, cols):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for row in zip(*cols):
            f.write(",".join(fmt(v) for fmt, v in row) + "\n")


def dump_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def main():
    with open(os.path.join(HERE, "template.json")) as f:
        template = json.load(f)
    names = [d["name"] for d in template["features"]]
    cluster_features = template["clusters"]["features"]
    cidx = [names.index(n) for n in cluster_features]

    header, data = read_csv(os.path.join(HERE, "data", "train.csv.gz"), gzip.open)
    if header[:-2] != names or header[-2:] != ["label", "p_true"]:
        sys.exit("train.csv.gz columns do not match template.json's features: run `go run ./build/refbundle data`")
    X = data[:, :-2].astype(np.float32)
    y = data[:, -2].astype(np.float32)
    p_true = data[:, -1]
    hheader, Xh64 = read_csv(os.path.join(TESTDATA, "contexts.features.csv"))
    if hheader != names:
        sys.exit("contexts.features.csv columns do not match template.json's features")
    Xh = Xh64.astype(np.float32)
    os.makedirs(OUT, exist_ok=True)

    # --- XGBoost -------------------------------------------------------
    params = dict(XGB_PARAMS)
    params["base_score"] = float(np.float32(round(float(y.mean()), 4)))
    dtrain = xgb.DMatrix(X, label=y, missing=np.nan, feature_names=names, nthread=1)
    booster = xgb.train(params, dtrain, num_boost_round=NUM_TREES)
    xgb_path = os.path.join(OUT, "xgb.json")
    booster.save_model(xgb_path)
    # Golden outputs come from the saved file, reloaded.
    b = xgb.Booster(model_file=xgb_path)
    b.set_param({"nthread": 1})
    model = json.load(open(xgb_path))
    trees = model["learner"]["gradient_booster"]["model"]["trees"]
    assert len(trees) == NUM_TREES, len(trees)
    dh = xgb.DMatrix(Xh, missing=np.nan, feature_names=names, nthread=1)
    margin = b.predict(dh, output_margin=True)
    prob = b.predict(dh)
    contrib = b.predict(dh, pred_contribs=True, approx_contribs=True)
    assert contrib.shape == (len(Xh), len(names) + 1), contrib.shape
    p_train_xgb = b.predict(xgb.DMatrix(X, missing=np.nan, feature_names=names, nthread=1))

    # --- Logistic regression -------------------------------------------
    X0 = np.nan_to_num(X.astype(np.float64), nan=0.0)
    logit = LogisticRegression(C=1.0, solver="lbfgs", max_iter=10000, tol=1e-8)
    logit.fit(X0, y.astype(np.float64))
    dump_json(os.path.join(OUT, "logistic.json"), {
        "intercept": float(logit.intercept_[0]),
        "weights": {n: float(w) for n, w in zip(names, logit.coef_[0])},
    })
    Xh0 = np.nan_to_num(Xh.astype(np.float64), nan=0.0)
    lr_proba = logit.predict_proba(Xh0)[:, 1]
    lr_dec = logit.decision_function(Xh0)
    p_train_lr = logit.predict_proba(X0)[:, 1]

    # --- Clusters --------------------------------------------------------
    Xc = X[:, cidx].astype(np.float64)
    scaler = StandardScaler().fit(Xc)  # NaN is disregarded in fit
    Z = np.nan_to_num(scaler.transform(Xc), nan=0.0)
    km = KMeans(n_clusters=8, n_init=10, random_state=0).fit(Z)
    dump_json(os.path.join(OUT, "kmeans.json"), {
        "features": cluster_features,
        "mean": [float(v) for v in scaler.mean_],
        "scale": [float(v) for v in scaler.scale_],
        "centroids": [[float(v) for v in row] for row in km.cluster_centers_],
    })
    Zh = np.nan_to_num(scaler.transform(Xh[:, cidx].astype(np.float64)), nan=0.0)
    km_label = km.predict(Zh)
    km_dist = km.transform(Zh).min(axis=1)

    # --- Golden files ----------------------------------------------------
    write_csv(os.path.join(TESTDATA, "golden_models.csv"),
              ["xgb_margin", "xgb_prob", "logistic_proba", "logistic_decision", "kmeans_label", "kmeans_distance"],
              [[(f32, v) for v in margin], [(f32, v) for v in prob],
               [(f64, v) for v in lr_proba], [(f64, v) for v in lr_dec],
               [(lambda v: str(int(v)), v) for v in km_label], [(f64, v) for v in km_dist]])
    write_csv(os.path.join(TESTDATA, "golden_contribs.csv"), names + ["bias"],
              [[(f32, v) for v in contrib[:, j]] for j in range(contrib.shape[1])])

    # --- Report (stdout only) -------------------------------------------
    print("train: %d rows, %d features, %.1f%% positive" % (len(y), len(names), 100 * y.mean()))
    print("  oracle (true p): AUC %.4f  log loss %.4f" % (roc_auc_score(y, p_true), log_loss(y, p_true)))
    print("  xgboost (train): AUC %.4f  log loss %.4f  base_score %s" % (
        roc_auc_score(y, p_train_xgb), log_loss(y, p_train_xgb), params["base_score"]))
    print("  logistic (train): AUC %.4f  log loss %.4f  (%d iterations)" % (
        roc_auc_score(y, p_train_lr), log_loss(y, p_train_lr), logit.n_iter_[0]))
    # An honest estimate: the same recipes fitted on 80%, scored on 20%.
    cut = len(y) * 4 // 5
    bv = xgb.train(params, xgb.DMatrix(X[:cut], label=y[:cut], missing=np.nan, nthread=1), num_boost_round=NUM_TREES)
    pv = bv.predict(xgb.DMatrix(X[cut:], missing=np.nan, nthread=1))
    lv = LogisticRegression(C=1.0, solver="lbfgs", max_iter=10000, tol=1e-8).fit(X0[:cut], y[:cut])
    plv = lv.predict_proba(X0[cut:])[:, 1]
    print("  validation (last 20%%): xgboost AUC %.4f, logistic AUC %.4f, oracle AUC %.4f" % (
        roc_auc_score(y[cut:], pv), roc_auc_score(y[cut:], plv), roc_auc_score(y[cut:], p_true[cut:])))
    sizes = np.bincount(km.labels_, minlength=8)
    print("  kmeans: inertia %.1f, cluster sizes %s" % (km.inertia_, sizes.tolist()))
    for k in range(8):
        c = km.cluster_centers_[k] * scaler.scale_ + scaler.mean_
        print("    %d (%4d): %s" % (k, sizes[k], "  ".join("%s=%.2f" % (n, v) for n, v in zip(cluster_features, c))))
    depths = []
    for t in trees:
        left, right = t["left_children"], t["right_children"]

        def depth(i):
            return 0 if left[i] == -1 else 1 + max(depth(left[i]), depth(right[i]))
        depths.append(depth(0))
    print("  xgboost: %d trees, max depth %d, %d trees of depth 6" % (len(trees), max(depths), depths.count(6)))


if __name__ == "__main__":
    main()
