"""graft's default head against scikit-learn on the same graft features (issue 12).

Builds four few-shot tasks from packaged data, embeds every image once with `graft embed`,
then for 1, 2, 5, 10 and 20 photos a class and several random draws fits scikit-learn's
LogisticRegression (default settings) and LogisticRegressionCV to the training photos'
features, runs graft's default head on the same rows (examples/default_head.rs), and prints
held-out accuracy per task and size. Run by scripts/bench-head.sh.

The tasks (images written as PNG files at set-up, said to be generated where they are):
- digits: scikit-learn's handwritten digits (load_digits: real 8x8 scans, 10 classes),
  far from ImageNet;
- faces: scikit-image's lfw_subset (25x25 crops of real photos: 100 faces, 100 non-faces);
- textures: scikit-image's brick, grass and gravel photos; training crops come from the top
  half of each photo, test crops from the bottom half (crops generated here, seeded);
- photos: nine of scikit-image's photos (those three textures and six scenes), smaller
  crops, flipped half the time, split the same way (examples/transfer.rs's hard set).
"""

import argparse
import hashlib
import json
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV

SHOTS = (1, 2, 5, 10, 20)
DRAWS = 5
TEST_PER_CLASS = 30
POOL_PER_CLASS = 20  # training photos are drawn from this many per class
FEATURES = 1280


def digits(out):
    d = load_digits()
    images, labels = [], []
    for c in range(10):
        rows = np.flatnonzero(d.target == c)[: POOL_PER_CLASS + TEST_PER_CLASS]
        for i in rows:
            path = out / f"digit{c}_{i}.png"
            # 0-16 grey levels to 0-255, dark ink on white as on the scanned forms.
            Image.fromarray((255 - d.images[i] * 255 / 16).astype(np.uint8)).save(path)
            images.append(path)
            labels.append(c)
    return [str(c) for c in range(10)], images, labels


def faces(out, skimage_wheel):
    with zipfile.ZipFile(skimage_wheel) as z, z.open("skimage/data/lfw_subset.npy") as f:
        lfw = np.load(f)  # [200, 25, 25] in 0-1: the first 100 faces, then 100 non-faces
    images, labels = [], []
    for c, rows in enumerate((range(0, 100), range(100, 200))):
        for i in list(rows)[: POOL_PER_CLASS + TEST_PER_CLASS]:
            path = out / f"lfw{i}.png"
            Image.fromarray((lfw[i] * 255).round().astype(np.uint8)).save(path)
            images.append(path)
            labels.append(c)
    return ["face", "not a face"], images, labels


def crops(out, skimage_wheel, files, seed, size_of, flip):
    """Square crops of scikit-image photos, a class each: POOL_PER_CLASS from the top half
    and TEST_PER_CLASS from the bottom half, so test crops never share pixels with training
    ones. `size_of(rng, h)` draws a crop's side; with `flip`, half are mirrored."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    with zipfile.ZipFile(skimage_wheel) as z:
        for c, file in enumerate(files):
            with z.open(f"skimage/data/{file}") as f:
                photo = np.asarray(Image.open(f).convert("RGB"))
            h, w = photo.shape[:2]
            for k, bottom in [(POOL_PER_CLASS, False), (TEST_PER_CLASS, True)]:
                for j in range(k):
                    size = size_of(rng, h)
                    x = int(rng.integers(0, w - size + 1))
                    y = (h // 2 if bottom else 0) + int(rng.integers(0, h // 2 - size + 1))
                    crop = photo[y : y + size, x : x + size]
                    if flip and rng.integers(2):
                        crop = crop[:, ::-1]
                    path = out / f"{file.split('.')[0]}_{'test' if bottom else 'pool'}{j}.png"
                    Image.fromarray(np.ascontiguousarray(crop)).save(path)
                    images.append(path)
                    labels.append(c)
    return [f.split(".")[0] for f in files], images, labels


def textures(out, skimage_wheel):
    """Three textures, crops from 64 px to half the photo's height."""
    return crops(out, skimage_wheel, ["brick.png", "grass.png", "gravel.png"], 12,
                 lambda rng, h: int(rng.integers(64, h // 2 + 1)), flip=False)


def photos(out, skimage_wheel):
    """Nine photos (the three textures and six scenes), smaller crops (96-200 px), half of
    them mirrored: examples/transfer.rs's hard set."""
    files = ["brick.png", "grass.png", "gravel.png", "astronaut.png", "camera.png",
             "chelsea.png", "coffee.png", "motorcycle_left.png", "rocket.jpg"]
    return crops(out, skimage_wheel, files, 9,
                 lambda rng, h: min(h // 2, int(rng.integers(96, 201))), flip=True)


def embed(graft, images):
    """graft's 1280-d features of `images`, in order."""
    found = {}
    for start in range(0, len(images), 200):
        chunk = [str(p) for p in images[start : start + 200]]
        out = subprocess.run(
            [graft, "embed", "--json", "--device", "cpu", *chunk],
            check=True, capture_output=True, text=True,
        ).stdout
        for line in out.splitlines():
            row = json.loads(line)
            found[row["image"]] = row["features"]
    by_name = {Path(k).name: v for k, v in found.items()}
    return np.array([by_name[Path(p).name] for p in images], dtype="<f4")


def split(labels, classes, shots, draw, test_mask):
    """`shots` training rows a class from the pool, every test row, and up to 5 x `shots`
    of the pool's other rows a class as unlabelled photos (issue 17)."""
    rng = np.random.default_rng(1000 * shots + draw)
    train, unlabelled = [], []
    for c in range(classes):
        pool = np.flatnonzero((labels == c) & ~test_mask)
        picked = rng.choice(pool, shots, replace=False)
        train += sorted(picked.tolist())
        rest = [i for i in rng.permutation(pool).tolist() if i not in set(picked.tolist())]
        unlabelled += sorted(rest[: 5 * shots])
    return train, np.flatnonzero(test_mask).tolist(), unlabelled


def sklearn_scores(x, labels, train, test):
    """Held-out accuracy of LogisticRegression and LogisticRegressionCV (None below 2 shots)."""
    y = labels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lr = LogisticRegression().fit(x[train], y[train]).score(x[test], y[test])
        per_class = np.bincount(y[train]).min()
        cv = None
        if per_class >= 2:
            model = LogisticRegressionCV(cv=min(5, per_class)).fit(x[train], y[train])
            cv = model.score(x[test], y[test])
    return lr, cv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--graft", required=True, help="the graft CLI binary")
    ap.add_argument("--default-head", required=True, help="examples/default_head binary")
    ap.add_argument("--skimage-wheel", required=True)
    ap.add_argument("--work", required=True, type=Path, help="a folder for images and features")
    ap.add_argument("--config", default="{}",
                    help='graft settings to change, as JSON (e.g. \'{"solver": "adam", "epochs": 300}\')')
    ap.add_argument("--no-sklearn", action="store_true",
                    help="skip scikit-learn's fits (minutes): graft's columns only")
    args = ap.parse_args()

    tasks, scores = [], {}
    for name, make in [
        ("digits", lambda out: digits(out)),
        ("faces", lambda out: faces(out, args.skimage_wheel)),
        ("textures", lambda out: textures(out, args.skimage_wheel)),
        ("photos", lambda out: photos(out, args.skimage_wheel)),
    ]:
        out = args.work / name
        out.mkdir(parents=True, exist_ok=True)
        classes, images, labels = make(out)
        labels = np.array(labels)
        # Features are kept under a digest of the images (and their order): a task whose
        # images change is embedded again, never matched with stale rows.
        digest = hashlib.sha256(b"".join(Path(p).read_bytes() for p in images)).hexdigest()
        cached = args.work / f"{name}-{digest[:16]}.f32"
        if cached.exists():
            x = np.fromfile(cached, dtype="<f4").reshape(len(images), FEATURES)
        else:
            print(f"embedding {len(images)} {name} images...", file=sys.stderr)
            x = embed(args.graft, images)
            x.tofile(cached)
        # The last TEST_PER_CLASS images of each class (or the bottom-half crops) are the test set.
        test_mask = np.zeros(len(labels), bool)
        for c in range(len(classes)):
            test_mask[np.flatnonzero(labels == c)[-TEST_PER_CLASS:]] = True
        runs = []
        for shots in SHOTS:
            for draw in range(DRAWS):
                train, test, pool = split(labels, len(classes), shots, draw, test_mask)
                runs.append({"shots": shots, "draw": draw, "train": train, "test": test, "pool": pool})
                scores[(name, shots, draw)] = ((None, None) if args.no_sklearn
                                               else sklearn_scores(x, labels, train, test))
        tasks.append({"name": name, "classes": classes, "features": cached.name,
                      "labels": labels.tolist(), "runs": runs})
    (args.work / "runs.json").write_text(json.dumps({"tasks": tasks}))

    out = subprocess.run([args.default_head, str(args.work), args.config], check=True,
                         capture_output=True, text=True).stdout
    graft, speed = {}, None
    for line in out.splitlines():
        r = json.loads(line)
        if "speed" in r:
            speed = r["speed"]
            continue
        graft[(r["task"], r["shots"], r["draw"])] = r

    def kept_right(g):
        kept = sum(r.get("pseudo_kept") or 0 for r in g)
        right = sum(r.get("pseudo_right") or 0 for r in g)
        pool = sum(r.get("pool") or 0 for r in g)
        return f"{kept}/{pool} ({100 * right / kept:.1f} %)" if kept else "-"

    def mean(values):
        values = [v for v in values if v is not None]
        return f"{100 * np.mean(values):.1f} %" if values else "-"

    print(f"Held-out accuracy, mean of {DRAWS} draws ({TEST_PER_CLASS} test images a class); "
          f"graft settings changed: {args.config}")
    print("| task | photos a class | graft default head | + unlabelled pool | pool kept (right) | graft prototypes | LogisticRegression | LogisticRegressionCV | graft steps | graft ms | graft refused |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for t in tasks:
        for shots in SHOTS:
            keys = [(t["name"], shots, d) for d in range(DRAWS)]
            g = [graft[k] for k in keys]
            refused = sum("refused" in r for r in g)
            steps = [r["steps"] for r in g if "steps" in r]
            ms = [r["ms"] for r in g if "ms" in r]
            print(
                f"| {t['name']} | {shots} | {mean([r.get('accuracy') for r in g])} "
                f"| {mean([r.get('with_pool') for r in g])} "
                f"| {kept_right(g)} "
                f"| {mean([r.get('prototypes') for r in g])} "
                f"| {mean([scores[k][0] for k in keys])} | {mean([scores[k][1] for k in keys])} "
                f"| {round(np.mean(steps)) if steps else '-'} | {round(np.mean(ms)) if ms else '-'} "
                f"| {refused}/{DRAWS} |"
            )
    print(f"graft's L-BFGS head on {speed['rows']} real embeddings ({speed['classes']} classes, "
          f"every task's images): {speed['ms']} ms, {speed['iterations']} iterations, "
          f"converged: {speed['converged']}")
    json.dump({f"{k[0]}/{k[1]}/{k[2]}": {"graft": graft[k], "sklearn": scores[k]} for k in graft},
              open(args.work / "results.json", "w"), indent=1)


if __name__ == "__main__":
    main()
