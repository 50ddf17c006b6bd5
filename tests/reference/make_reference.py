"""Independent numpy forward pass of EfficientNet-Lite0: the reference values the Rust tests check.

Usage: python3 tests/reference/make_reference.py WEIGHTS.pth IMAGE... > tests/reference/lite0_reference.json

Written from the architecture description (lukemelas EfficientNet-PyTorch, lite variant):
TF "SAME" padding (extra pixel right/bottom), BatchNorm eps 1e-3 (unfolded here, unlike the
Rust model, which folds it), ReLU6, no squeeze-excite, input (x - 127) / 128. Computes in
float64 so the reference's own rounding is negligible. Preprocessing: PIL decode to RGB,
bilinear resize (half-pixel centres, no antialias) so the shorter side is 256, centre crop 224.
"""
import json
import os
import sys

import numpy as np
from PIL import Image

# The pickle reader is shared with set-up's converter (scripts/convert_weights.py).
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
from torch_legacy import load_state_dict  # noqa: E402

BN_EPS = 1e-3
# (repeats, stride of the first block) per stage, from efficientnet-lite0's block strings
# 'r1_k3_s11_e1_i32_o16', 'r2_k3_s22_e6_i16_o24', 'r2_k5_s22_e6_i24_o40', 'r3_k3_s22_e6_i40_o80',
# 'r3_k5_s11_e6_i80_o112', 'r4_k5_s22_e6_i112_o192', 'r1_k3_s11_e6_i192_o320'.
STAGES = [(1, 1), (2, 2), (2, 2), (3, 2), (3, 1), (4, 2), (1, 1)]


def resize_bilinear(img, out_h, out_w):
    in_h, in_w, _ = img.shape

    def coords(n_out, n_in):
        src = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
        src = np.clip(src, 0, n_in - 1)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, src - lo

    y0, y1, wy = coords(out_h, in_h)
    x0, x1, wx = coords(out_w, in_w)
    top = img[y0][:, x0] * (1 - wx)[None, :, None] + img[y0][:, x1] * wx[None, :, None]
    bot = img[y1][:, x0] * (1 - wx)[None, :, None] + img[y1][:, x1] * wx[None, :, None]
    return top * (1 - wy)[:, None, None] + bot * wy[:, None, None]


def preprocess(path):
    img = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)
    h, w, _ = img.shape
    if h <= w:
        nh, nw = 256, round(w * 256 / h)
    else:
        nh, nw = round(h * 256 / w), 256
    img = resize_bilinear(img, nh, nw)
    top, left = (nh - 224) // 2, (nw - 224) // 2
    img = img[top : top + 224, left : left + 224]
    return ((img - 127.0) / 128.0).transpose(2, 0, 1)  # [3, 224, 224]


def same_pad(x, k, s):
    _, h, w = x.shape

    def amount(n):
        out = -(-n // s)
        return max((out - 1) * s + k - n, 0)

    ph, pw = amount(h), amount(w)
    return np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2)))


def conv(x, w, s=1, groups=1):
    """x [C, H, W], w [O, C/groups, k, k], TF SAME padding."""
    k = w.shape[-1]
    x = same_pad(x, k, s)
    _, h, wd = x.shape
    oh, ow = (h - k) // s + 1, (wd - k) // s + 1
    if groups == 1:
        out = np.zeros((w.shape[0], oh, ow))
        for i in range(k):
            for j in range(k):
                patch = x[:, i : i + s * oh : s, j : j + s * ow : s]  # [C, oh, ow]
                out += np.tensordot(w[:, :, i, j], patch, axes=([1], [0]))
        return out
    out = np.zeros((x.shape[0], oh, ow))
    for i in range(k):
        for j in range(k):
            out += w[:, 0, i, j][:, None, None] * x[:, i : i + s * oh : s, j : j + s * ow : s]
    return out


def bn(x, sd, p):
    scale = sd[p + ".weight"] / np.sqrt(sd[p + ".running_var"] + BN_EPS)
    return (x - sd[p + ".running_mean"][:, None, None]) * scale[:, None, None] + sd[p + ".bias"][
        :, None, None
    ]


def relu6(x):
    return np.clip(x, 0, 6)


def forward(sd, x):
    x = relu6(bn(conv(x, sd["_conv_stem.weight"], 2), sd, "_bn0"))
    b = 0
    for repeats, stride in STAGES:
        for r in range(repeats):
            p = f"_blocks.{b}."
            s = stride if r == 0 else 1
            inp = x
            if p + "_expand_conv.weight" in sd:
                x = relu6(bn(conv(x, sd[p + "_expand_conv.weight"]), sd, p + "_bn0"))
            x = relu6(bn(conv(x, sd[p + "_depthwise_conv.weight"], s, groups=x.shape[0]), sd, p + "_bn1"))
            x = bn(conv(x, sd[p + "_project_conv.weight"]), sd, p + "_bn2")
            if s == 1 and inp.shape == x.shape:
                x = x + inp
            b += 1
    x = relu6(bn(conv(x, sd["_conv_head.weight"]), sd, "_bn1"))
    features = x.mean(axis=(1, 2))
    logits = sd["_fc.weight"] @ features + sd["_fc.bias"]
    return features, logits


def main():
    sd = {k: v.astype(np.float64) for k, v in load_state_dict(sys.argv[1]).items()}
    out = {"generator": "tests/reference/make_reference.py", "images": {}}
    for path in sys.argv[2:]:
        features, logits = forward(sd, preprocess(path))
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        top = np.argsort(-logits)[:5]
        out["images"][os.path.basename(path)] = {
            "top5": [{"id": int(i), "p": round(float(probs[i]), 6)} for i in top],
            "logits": [round(float(v), 5) for v in logits],
            "features": [round(float(v), 5) for v in features],
        }
        print(path, [(int(i), round(float(probs[i]), 4)) for i in top], file=sys.stderr)
    json.dump(out, sys.stdout, separators=(",", ":"))


if __name__ == "__main__":
    main()
