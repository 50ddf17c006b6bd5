"""scikit-learn's LogisticRegression (default settings) on features given on stdin, for
tests/default_head.rs: reads JSON {"x": [[...]], "labels": [...], "train": [...],
"test": [...]} and prints {"accuracy": held-out accuracy, "n_iter": iterations}."""

import json
import sys
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

case = json.load(sys.stdin)
x, y = np.array(case["x"], dtype=np.float32), np.array(case["labels"])
train, test = case["train"], case["test"]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    model = LogisticRegression().fit(x[train], y[train])
print(json.dumps({"accuracy": model.score(x[test], y[test]), "n_iter": int(model.n_iter_[0])}))
