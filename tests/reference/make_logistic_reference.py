"""Writes logistic_reference.json: scikit-learn's LogisticRegression fitted tightly to real
data, the reference for src/train/logistic.rs (graft's linear head fitted to convergence).

Data: scikit-learn's handwritten digits (load_digits: real 8x8 scans), pixels / 16 as the
64 features; 20 training rows a class (200) and 5 test rows a class (50). Two penalties:
C = 1 (scikit-learn's default) and C = 0.05 (strong). Run with the set-up's venv:
`~/.cache/graft/venv/bin/python tests/reference/make_logistic_reference.py`.
"""

import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

d = load_digits()
train = np.concatenate([np.flatnonzero(d.target == c)[:20] for c in range(10)])
test = np.concatenate([np.flatnonzero(d.target == c)[20:25] for c in range(10)])
x = (d.data / 16).astype(np.float32)
fits = []
for c in (1.0, 0.05):
    # Tight tolerance: the reference is the optimum itself, not scikit-learn's default stop.
    m = LogisticRegression(C=c, tol=1e-12, max_iter=100_000).fit(x[train], d.target[train])
    fits.append({
        "C": c,
        "coef": m.coef_.T.ravel().tolist(),  # [features, classes] row-major, as graft's heads
        "intercept": m.intercept_.tolist(),
        "test_probs": m.predict_proba(x[test]).ravel().tolist(),
    })
out = {
    "source": f"scikit-learn {sklearn.__version__} load_digits; LogisticRegression(C, tol=1e-12)",
    "features": 64,
    "classes": 10,
    "train_x": x[train].ravel().tolist(),
    "train_labels": d.target[train].tolist(),
    "test_x": x[test].ravel().tolist(),
    "fits": fits,
}
path = Path(__file__).with_name("logistic_reference.json")
path.write_text(json.dumps(out) + "\n")
print(f"wrote {path}")
