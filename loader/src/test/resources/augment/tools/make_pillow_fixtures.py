#!/usr/bin/python3
"""Writes the Pillow 9.4 reference fixtures for t2t.loader.transform tests (our own script).

Run with Debian's /usr/bin/python3 (python3-pil 9.4.0, numpy):
    /usr/bin/python3 make_pillow_fixtures.py OUT_DIR
It writes OUT_DIR/inputs/<name>.u8 (raw HWC bytes), OUT_DIR/outputs.u8 (every case's HWC bytes,
concatenated) and OUT_DIR/cases.txt, one case per line: `case input op outW outH offset params...`.
The op arguments are fixed (magnitude and sign already applied), so the Java ops are compared
with Pillow one call at a time. The calls are the ones timm's auto_augment.py, transforms.py and
torchvision's PIL functional make.
"""
import math
import os
import sys

import numpy as np
from PIL import Image, ImageEnhance, ImageOps, ImageFilter

out = sys.argv[1]
os.makedirs(os.path.join(out, "inputs"), exist_ok=True)
blob = bytearray()
rng = np.random.default_rng(1234)


def gradient_noise(w, h, c, lo=0, hi=255):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = [x / (w - 1), y / (h - 1), (x + y) / (w + h - 2)]
    base = np.stack(planes[:c], axis=-1)
    img = lo + (hi - lo) * base + rng.normal(0, 25, size=(h, w, c))
    # Some hard edges so resampling ringing and clipping show up.
    img[h // 3:h // 2, w // 4:w // 2, :] = hi
    img[h // 2:2 * h // 3, w // 2:3 * w // 4, :] = lo
    return np.clip(np.rint(img), lo, hi).astype(np.uint8)


inputs = {
    "rgb37x29": gradient_noise(37, 29, 3),
    "rgb64x48": gradient_noise(64, 48, 3),
    "gray40x30": gradient_noise(40, 30, 1)[..., :1],
    "lowrgb33x21": gradient_noise(33, 21, 3, lo=20, hi=100),
}
images = {}
for name, arr in inputs.items():
    arr.tofile(os.path.join(out, "inputs", name + ".u8"))
    images[name] = Image.fromarray(arr[..., 0], "L") if arr.shape[2] == 1 else Image.fromarray(arr, "RGB")

FILTERS = {"bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR}
lines = []


def emit(case, src, op, result, params):
    arr = np.asarray(result)
    if arr.ndim == 2:
        arr = arr[..., None]
    h, w = arr.shape[:2]
    lines.append(" ".join([case, src, op, str(w), str(h), str(len(blob))] + [repr(p) for p in params]))
    blob.extend(arr.astype(np.uint8).tobytes())


def fill_for(img):
    return 124 if img.mode == "L" else (124, 116, 104)


for name, img in images.items():
    W, H = img.size
    for fname, f in FILTERS.items():
        # resize: down, up, one axis only, and crop boxes (RandomResizedCrop's crop then resize)
        for (cx, cy, cw, ch, ow, oh) in [(0, 0, W, H, 20, 15), (0, 0, W, H, 80, 61), (0, 0, W, H, W, 17),
                                         (0, 0, W, H, 13, H), (5, 3, 25, min(20, H - 3), 16, 16), (5, 3, 25, min(20, H - 3), 50, 40),
                                         (2, 7, 9, 11, 31, 23)]:
            res = img.crop((cx, cy, cx + cw, cy + ch)).resize((ow, oh), f)
            emit(f"{name}-resize-{fname}-{cx}-{cy}-{cw}-{ch}-{ow}-{oh}", name, "resize", res,
                 [fname, cx, cy, cw, ch])
        for k, m in enumerate([(1, 0.27, 0, 0, 1, 0), (1, -0.27, 0, 0, 1, 0), (1, 0, 0, 0.19, 1, 0),
                               (1, 0, 0, -0.3, 1, 0), (1, 0, 0.405 * W, 0, 1, 0), (1, 0, -0.405 * W, 0, 1, 0),
                               (1, 0, 0, 0, 1, 0.33 * H), (1, 0, 0, 0, 1, -0.405 * H)]):
            res = img.transform(img.size, Image.AFFINE, m, resample=f, fillcolor=fill_for(img))
            emit(f"{name}-affine{k}-{fname}", name, "affine", res, [fname] + [float(v) for v in m])
        for deg in [27.0, -27.0, 13.7, -4.5, 180.0, 0.0]:
            res = img.rotate(deg, resample=f, fillcolor=fill_for(img))
            emit(f"{name}-rotate{deg}-{fname}", name, "rotate", res, [fname, deg])
    emit(f"{name}-autocontrast", name, "autocontrast", ImageOps.autocontrast(img), [])
    emit(f"{name}-equalize", name, "equalize", ImageOps.equalize(img), [])
    emit(f"{name}-invert", name, "invert", ImageOps.invert(img), [])
    for bits in [0, 1, 2, 3, 4, 7]:
        lut = [i & ~(2 ** (8 - bits) - 1) for i in range(256)]
        emit(f"{name}-posterize{bits}", name, "posterize", ImageOps.posterize(img, bits) if bits > 0
             else img.point(lut * len(img.getbands())), [bits])
    for thr in [26, 128, 230, 256]:
        emit(f"{name}-solarize{thr}", name, "solarize", ImageOps.solarize(img, thr), [thr])
    for add in [99, 30]:
        lut = [min(255, i + add) if i < 128 else i for i in range(256)]
        emit(f"{name}-solarizeadd{add}", name, "solarizeadd", img.point(lut * len(img.getbands())), [add])
    for factor in [0.19, 1.81, 0.5, 0.0, 1.0, 1.72, 2.5, 0.1]:
        emit(f"{name}-color{factor}", name, "color", ImageEnhance.Color(img).enhance(factor), [factor])
        emit(f"{name}-contrast{factor}", name, "contrast", ImageEnhance.Contrast(img).enhance(factor), [factor])
        emit(f"{name}-brightness{factor}", name, "brightness", ImageEnhance.Brightness(img).enhance(factor), [factor])
        emit(f"{name}-sharpness{factor}", name, "sharpness", ImageEnhance.Sharpness(img).enhance(factor), [factor])
    emit(f"{name}-smooth", name, "smooth", img.filter(ImageFilter.SMOOTH), [])
    # timm eval: Resize(floor(size / crop_pct)) on the short side (torchvision's int long side) + CenterCrop.
    for size, crop_pct in [(16, 0.875), (20, 0.9), (24, 1.0)]:
        scale = int(math.floor(size / crop_pct))
        if W <= H:
            nw, nh = scale, int(scale * H / W)
        else:
            nw, nh = int(scale * W / H), scale
        res = img.resize((nw, nh), Image.BICUBIC)
        top, left = int(round((nh - size) / 2.0)), int(round((nw - size) / 2.0))
        res = res.crop((left, top, left + size, top + size))
        emit(f"{name}-eval{size}-{crop_pct}", name, "eval", res, [size, crop_pct])

with open(os.path.join(out, "outputs.u8"), "wb") as fh:
    fh.write(bytes(blob))
with open(os.path.join(out, "cases.txt"), "w") as fh:
    fh.write("\n".join(lines) + "\n")
print(len(lines), "cases")
