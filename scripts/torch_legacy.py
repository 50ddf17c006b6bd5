"""Read a legacy (pre-1.6, non-zip) torch pickle of a state dict into numpy arrays, without torch.

Layout (torch/serialization.py, _legacy_load): pickle(magic), pickle(protocol), pickle(sys_info),
pickle(state dict, storages as persistent ids), pickle(storage keys), then per key:
int64 element count followed by the raw little-endian elements.
"""
import collections
import io
import pickle
import struct

import numpy as np

MAGIC = 0x1950A86A20F9469CFC6C

_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ByteStorage": np.uint8,
}


class _Storage:
    def __init__(self, key, dtype):
        self.key, self.dtype, self.data = key, dtype, None


def _rebuild_tensor_v2(storage, offset, size, stride, *_):
    return ("tensor", storage, offset, tuple(size), tuple(stride))


class _Unpickler(pickle.Unpickler):
    def __init__(self, f, storages):
        super().__init__(f)
        self.storages = storages

    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch" and name in _DTYPES:
            return name
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"unexpected global {module}.{name}")

    def persistent_load(self, pid):
        # ('storage', storage_type, key, location, size[, view_metadata])
        _, storage_type, key, _location, _size = pid[:5]
        if key not in self.storages:
            self.storages[key] = _Storage(key, _DTYPES[storage_type])
        return self.storages[key]


def load_state_dict(path):
    """Return an ordered dict name -> float32/int numpy array."""
    with open(path, "rb") as f:
        if pickle.load(f) != MAGIC:
            raise ValueError(f"{path} is not a legacy torch file")
        pickle.load(f)  # protocol version
        pickle.load(f)  # sys info
        storages = {}
        tree = _Unpickler(f, storages).load()
        keys = pickle.load(f)
        for key in keys:
            (count,) = struct.unpack("<q", f.read(8))
            st = storages[key]
            st.data = np.frombuffer(f.read(count * np.dtype(st.dtype).itemsize), dtype=st.dtype)
    out = collections.OrderedDict()
    for name, (_, storage, offset, size, stride) in tree.items():
        item = np.dtype(storage.dtype).itemsize
        arr = np.lib.stride_tricks.as_strided(
            storage.data[offset:], shape=size, strides=[s * item for s in stride]
        )
        out[name] = np.array(arr)
    return out


if __name__ == "__main__":
    import sys

    sd = load_state_dict(sys.argv[1])
    for k, v in sd.items():
        print(k, v.shape, v.dtype)
    print(len(sd), "tensors", sum(v.size for v in sd.values()), "values")
