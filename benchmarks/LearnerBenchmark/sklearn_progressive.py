#!/usr/bin/env python3
"""Progressive validation of scikit-learn's SGDClassifier.partial_fit on the benchmark's hashed stream.

Reads the CSR export written by the C# benchmark (meta.json, indptr/indices/values/targets .bin), and for
each setting of a small grid predicts every batch of 1,000 with the model as it was before the batch,
then learns it (partial_fit). Log loss is log(1 + exp(-s*m)) from the margin m, exactly as the C# side
scores itself. One JSON line per setting on stdout; progress on stderr.
"""
import json
import os
import sys
import time

import numpy as np
from scipy import sparse
from sklearn.linear_model import SGDClassifier

# Learning-rate schedules scikit-learn offers for online use, each with the regularization strengths
# that matter on this stream; the best of these is the reference.
GRID = (
    [{"learning_rate": "optimal", "alpha": a} for a in (1e-4, 1e-5, 1e-6, 1e-7)]
    + [{"learning_rate": "optimal", "alpha": a, "average": True} for a in (1e-5, 1e-6)]
    + [{"learning_rate": "invscaling", "eta0": e, "power_t": 0.5, "alpha": 1e-6} for e in (0.01, 0.1, 0.5, 1.0)]
    + [{"learning_rate": "constant", "eta0": e, "alpha": 1e-6} for e in (0.001, 0.003, 0.01, 0.03)]
    + [{"learning_rate": "adaptive", "eta0": 0.05, "alpha": 1e-6}]
)


def load(folder):
    with open(os.path.join(folder, "meta.json")) as f:
        meta = json.load(f)
    indptr = np.fromfile(os.path.join(folder, "indptr.bin"), dtype="<i8")
    indices = np.fromfile(os.path.join(folder, "indices.bin"), dtype="<i4")
    values = np.fromfile(os.path.join(folder, "values.bin"), dtype="<f4").astype(np.float64)
    targets = np.fromfile(os.path.join(folder, "targets.bin"), dtype="<f8").astype(np.int64)
    x = sparse.csr_matrix((values, indices, indptr), shape=(meta["rows"], meta["columns"]))
    return x, targets, meta["batch"]


def progressive(x, y, batch, params):
    model = SGDClassifier(loss="log_loss", random_state=0, **params)
    loss_sum, correct, seen = 0.0, 0, 0
    started = time.perf_counter()
    for start in range(0, x.shape[0], batch):
        xb, yb = x[start:start + batch], y[start:start + batch]
        # Before its first batch the model is all zeros and predicts 0.5, like the C# learner.
        margin = model.decision_function(xb) if seen else np.zeros(len(yb))
        loss_sum += np.logaddexp(0.0, -(2 * yb - 1) * margin).sum()
        correct += int(((margin >= 0) == (yb == 1)).sum())
        model.partial_fit(xb, yb, classes=[0, 1])
        seen += len(yb)
    elapsed = time.perf_counter() - started
    return {"params": params, "log_loss": loss_sum / seen, "accuracy": correct / seen,
            "examples": seen, "examples_per_s": seen / elapsed}


def main():
    import sklearn
    x, y, batch = load(sys.argv[1])
    print(f"scikit-learn {sklearn.__version__}: {x.shape[0]:,} rows, {x.nnz:,} non-zeros, {len(GRID)} settings",
          file=sys.stderr, flush=True)
    for params in GRID:
        result = progressive(x, y, batch, params)
        result["sklearn"] = sklearn.__version__
        print(json.dumps(result), flush=True)
        print(f"  {params}: log loss {result['log_loss']:.4f}, accuracy {result['accuracy']:.4f}",
              file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
