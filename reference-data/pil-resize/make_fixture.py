"""Writes the fixture of ResizeCropTest: a random RGB image and what the reference's transform
(torchvision Resize(s) + CenterCrop(s) on a PIL image, apple/ml-tarflow utils.get_data) makes of it.

torchvision is not needed: for an int size on a PIL image, Resize scales the shorter side to s and
the longer to int(s * long / short) with PIL's Image.resize(..., BILINEAR) (skipped when the size is
unchanged), and CenterCrop keeps the s x s square at int(round((h - s) / 2)), int(round((w - s) / 2)).
Run with numpy and Pillow: python3 make_fixture.py
"""
import numpy as np
from PIL import Image

SIZES = (16, 7, 41)
rng = np.random.default_rng(15)
img = Image.fromarray(rng.integers(0, 256, (37, 53, 3), dtype=np.uint8))  # H=37, W=53
img.save("input.png")


def transform(im, s):
    w, h = im.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = s, int(s * long / short)
    nw, nh = (new_short, new_long) if w <= h else (new_long, new_short)
    if (nw, nh) != (w, h):
        im = im.resize((nw, nh), Image.BILINEAR)
    top, left = int(round((nh - s) / 2.0)), int(round((nw - s) / 2.0))
    return np.asarray(im.crop((left, top, left + s, top + s)))


for s in SIZES:
    # channel-major (C, H, W), as tarflow's ImageDataset holds images
    transform(img, s).transpose(2, 0, 1).tofile(f"expected_{s}.chw")
