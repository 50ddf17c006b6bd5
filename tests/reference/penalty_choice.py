"""Which L2 penalty for graft's L-BFGS head (issue 12): scikit-learn's LogisticRegression at
C = 0.01 to 100 and LogisticRegressionCV choosing among 0.1, 1 and 10, on the features and
draws that head_reference.py wrote to WORK (run scripts/bench-head.sh first). Prints the
mean held-out accuracy per task, photos a class and C. A benchmark (minutes), not a test.

Usage: python tests/reference/penalty_choice.py WORK
"""

import json
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV

CS = (0.01, 0.1, 1, 10, 100)
FEATURES = 1280

work = Path(sys.argv[1])
runs = json.loads((work / "runs.json").read_text())
warnings.simplefilter("ignore", ConvergenceWarning)
print("| task | photos a class | " + " | ".join(f"C = {c}" for c in CS) + " | CV over 0.1, 1, 10 |")
print("| --- | --- | " + " | ".join("---" for _ in CS) + " | --- |")
for task in runs["tasks"]:
    x = np.fromfile(work / task["features"], dtype="<f4").reshape(-1, FEATURES)
    y = np.array(task["labels"])
    for shots in sorted({r["shots"] for r in task["runs"]}):
        acc = {c: [] for c in CS}
        cv = []
        for r in (r for r in task["runs"] if r["shots"] == shots):
            train, test = r["train"], r["test"]
            for c in CS:
                model = LogisticRegression(C=c, max_iter=1000).fit(x[train], y[train])
                acc[c].append(model.score(x[test], y[test]))
            if shots >= 2:
                model = LogisticRegressionCV(cv=min(5, shots), Cs=[0.1, 1, 10]).fit(x[train], y[train])
                cv.append(model.score(x[test], y[test]))
        cells = " | ".join(f"{100 * np.mean(acc[c]):.1f} %" for c in CS)
        print(f"| {task['name']} | {shots} | {cells} | {f'{100 * np.mean(cv):.1f} %' if cv else '-'} |")
