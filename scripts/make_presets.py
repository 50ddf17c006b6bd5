"""Builds the example tutorial's presets (docs/presets.md) from real photos: crops of
scikit-image's photos (skimage/data, extracted by scripts/setup.sh), made here, at set-up,
and said to be crops in each preset's title.

    python make_presets.py PHOTOS_DIR OUT_DIR

OUT_DIR gets textures.json (brick, grass, gravel: crops from the top half of each photo, so
the bottom half is left for trying the trained model) and scenes.json (a cat, a coffee cup,
a rocket: crops of 60-90 % of each photo), each with its photos in a folder beside it.
Deterministic: the same crops every run.
"""

import json
import random
import sys
from pathlib import Path

from PIL import Image

# Crops are saved at the backbone's input size: the page resizes to 224 anyway.
SIDE = 224
QUALITY = 90


def texture_crops(photo, count, rng):
    """Squares of 96-192 px from the top half of a 512 x 512 texture photo."""
    w, h = photo.size
    for _ in range(count):
        side = rng.randint(96, 192)
        x = rng.randint(0, w - side)
        y = rng.randint(0, h // 2 - side)
        yield photo.crop((x, y, x + side, y + side))


def scene_crops(photo, count, rng):
    """Squares of 60-90 % of a scene photo's shorter side, anywhere in it."""
    w, h = photo.size
    for _ in range(count):
        side = int(min(w, h) * rng.uniform(0.6, 0.9))
        x = rng.randint(0, w - side)
        y = rng.randint(0, h - side)
        yield photo.crop((x, y, x + side, y + side))


def write(photos, out, name, title, classes, crop, count, seed):
    rng = random.Random(seed)
    entries = []
    for label, file in classes:
        folder = out / name / label
        folder.mkdir(parents=True, exist_ok=True)
        photo = Image.open(photos / file).convert("RGB")
        images = []
        for i, piece in enumerate(crop(photo, count, rng)):
            path = folder / f"{label}-{i + 1:02}.jpg"
            piece.resize((SIDE, SIDE), Image.Resampling.BILINEAR).save(path, quality=QUALITY)
            images.append(f"{name}/{label}/{path.name}")
        entries.append({"name": label, "images": images})
    preset = {"title": title, "classes": entries, "keep": True}
    (out / f"{name}.json").write_text(json.dumps(preset, indent=2) + "\n")


photos, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
write(
    photos,
    out,
    "textures",
    "Textures: crops of scikit-image's brick, grass and gravel photos (top halves)",
    [("brick", "brick.png"), ("grass", "grass.png"), ("gravel", "gravel.png")],
    texture_crops,
    8,
    seed=15,
)
write(
    photos,
    out,
    "scenes",
    "Scenes: crops of scikit-image's chelsea, coffee and rocket photos",
    [("cat", "chelsea.png"), ("coffee", "coffee.png"), ("rocket", "rocket.jpg")],
    scene_crops,
    6,
    seed=16,
)
