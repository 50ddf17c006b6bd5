"""The map's reference (issue 18): scikit-learn's PCA, two components, on rows read as
JSON from stdin ({"x": [[...], ...]}); prints {"points": [[a, b], ...], "explained": [r1, r2]}."""
import json
import sys

import numpy as np
from sklearn.decomposition import PCA

x = np.asarray(json.load(sys.stdin)["x"], dtype=np.float64)
pca = PCA(n_components=2, svd_solver="full").fit(x)
print(json.dumps({
    "points": pca.transform(x).tolist(),
    "explained": pca.explained_variance_ratio_.tolist(),
}))
