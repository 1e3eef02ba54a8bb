"""The whole tutorial on one series, with its own libraries (Debian's pydicom, scipy, skimage):
load_scan + get_pixels_hu → resample (zoom order 3, mode 'nearest') → segment_lung_mask with
and without fill. Usage: tutorial.py <series_dir> <out_dir>; writes hu.npy, resampled.npy,
mask_fill.npy, mask_nofill.npy, and prints {"new_spacing": [...], "seconds": {...}} as JSON."""
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from segment import get_pixels_hu, load_scan, segment_lung_mask  # noqa: E402
from zoom import tutorial_grid, zoom  # noqa: E402


def main(series, out):
    t = {}
    t0 = time.perf_counter()
    slices = load_scan(series)
    image = get_pixels_hu(slices)
    t['load_hu'] = time.perf_counter() - t0
    first = slices[0]
    factors, info = tutorial_grid(np.array(image.shape), first.SliceThickness, first.PixelSpacing)
    t0 = time.perf_counter()
    resampled, _ = zoom(image, factors, 3)
    t['resample'] = time.perf_counter() - t0
    t0 = time.perf_counter()
    fill = segment_lung_mask(resampled, True)
    nofill = segment_lung_mask(resampled, False)
    t['segment'] = time.perf_counter() - t0
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, 'hu.npy'), image)
    np.save(os.path.join(out, 'resampled.npy'), resampled)
    np.save(os.path.join(out, 'mask_fill.npy'), fill.astype(np.uint8))
    np.save(os.path.join(out, 'mask_nofill.npy'), nofill.astype(np.uint8))
    print(json.dumps({'new_spacing': info['new_spacing'], 'shape': list(resampled.shape), 'seconds': t}))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
