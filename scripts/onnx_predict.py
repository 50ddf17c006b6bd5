"""Label photos with a graft ONNX export, preprocessed exactly as graft does (docs/export.md).
    python onnx_predict.py MODEL.onnx PHOTO...    (needs numpy, Pillow and onnxruntime)
Prints one JSON line a photo: {"image", "label", "probs": {class: probability}}; a model
of several tasks adds {"tasks": {task: {"label", "probs"}}}, as `graft predict --json`."""
import json, sys
import numpy as np, onnxruntime as ort
from PIL import Image, ImageOps

def pixels(path):
    """RGB, shorter side to 256 (bilinear, half-pixel centres, no antialiasing), centre 224."""
    img = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"), np.float32)
    h, w = img.shape[:2]
    nh, nw = (256, max(224, int(w * 256 / h + 0.5))) if h <= w else (max(224, int(h * 256 / w + 0.5)), 256)
    def axis(n_out, n_in):  # the 224 kept samples of a resize from n_in to n_out
        s = np.clip((np.arange(224) + (n_out - 224) // 2 + 0.5) * (n_in / n_out) - 0.5, 0, n_in - 1)
        lo = np.floor(s).astype(int)
        return lo, np.minimum(lo + 1, n_in - 1), (s - lo).astype(np.float32)
    (y0, y1, wy), (x0, x1, wx) = axis(nh, h), axis(nw, w)
    wx, wy = wx[None, :, None], wy[:, None, None]
    top = img[y0][:, x0] * (1 - wx) + img[y0][:, x1] * wx
    bottom = img[y1][:, x0] * (1 - wx) + img[y1][:, x1] * wx
    return (top * (1 - wy) + bottom * wy).transpose(2, 0, 1)

if __name__ == "__main__":
    session = ort.InferenceSession(sys.argv[1])
    meta = session.get_modelmeta().custom_metadata_map
    classes = json.loads(meta["classes"])
    tasks = json.loads(meta.get("tasks", "[]"))
    for path in sys.argv[2:]:
        outputs = [t["output"] for t in tasks] or ["probabilities"]
        answers = session.run(outputs, {"pixels": pixels(path)[None]})
        def answer(names, probs):
            return {"label": names[int(np.argmax(probs))], "probs": dict(zip(names, probs[0].tolist()))}
        line = {"image": path, **answer(classes, answers[0])}
        if tasks:
            line["tasks"] = {t["name"]: answer(t["classes"], p) for t, p in zip(tasks, answers)}
        print(json.dumps(line))
