"""Oracle for seed-mode resampling: Debian's scipy (1.10) doing what the tutorial does.

Usage (run with /usr/bin/python3; every command prints one JSON line on stdout):
  zoom.py zoom <in.npy> <out.npy> <order> <f_z> <f_y> <f_x>
      scipy.ndimage.zoom(int16 input, factors, order=order, mode='nearest') → out.npy.
      Prints {"shape": [...], "seconds": t}.
  zoom.py grid <n_z> <n_y> <n_x> <s_z> <s_y> <s_x>
      The tutorial's resample arithmetic without the image. Prints spacing (float32, as float),
      new_shape, real_factor, new_spacing.
  zoom.py tutorial <series_dir> <hu.npy> <out.npy> [<order>]
      hu.py's load_scan + get_pixels_hu → hu.npy, then the tutorial's resample (order 3 unless
      given) → out.npy. Prints the grid numbers as `grid` does, plus seconds for the zoom.
Factors are parsed with float(), which reads JavaScript's shortest round-trip numbers exactly.
"""
import json
import os
import sys
import time

import numpy as np
import scipy.ndimage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def tutorial_grid(shape, thickness, pixel_spacing, new_spacing=[1, 1, 1]):
    # The tutorial's resample(), minus the zoom itself.
    spacing = np.array([thickness] + list(pixel_spacing), dtype=np.float32)
    resize_factor = spacing / new_spacing
    new_real_shape = shape * resize_factor
    new_shape = np.round(new_real_shape)
    real_resize_factor = new_shape / shape
    new_spacing = spacing / real_resize_factor
    info = {
        'spacing': [float(v) for v in spacing],
        'new_shape': [int(v) for v in new_shape],
        'real_factor': [float(v) for v in real_resize_factor],
        'new_spacing': [float(v) for v in new_spacing],
    }
    return real_resize_factor, info


def zoom(image, factors, order):
    t0 = time.perf_counter()
    out = scipy.ndimage.zoom(image, factors, order=order, mode='nearest')
    return out, time.perf_counter() - t0


def main(argv):
    cmd = argv[0]
    if cmd == 'zoom':
        image = np.load(argv[1])
        if image.dtype != np.int16:
            raise SystemExit('zoom.py: expected an int16 array, got %s' % image.dtype)
        out, seconds = zoom(image, [float(f) for f in argv[4:7]], int(argv[3]))
        np.save(argv[2], out)
        print(json.dumps({'shape': list(out.shape), 'seconds': seconds}))
    elif cmd == 'grid':
        shape = tuple(int(n) for n in argv[1:4])
        s = [float(v) for v in argv[4:7]]
        _, info = tutorial_grid(shape, s[0], s[1:])
        print(json.dumps(info))
    elif cmd == 'tutorial':
        from hu import get_pixels_hu, load_scan

        slices = load_scan(argv[1])
        image = get_pixels_hu(slices)
        np.save(argv[2], image)
        factors, info = tutorial_grid(image.shape, slices[0].SliceThickness, slices[0].PixelSpacing)
        out, seconds = zoom(image, factors, int(argv[4]) if len(argv) > 4 else 3)
        np.save(argv[3], out)
        info.update({'shape': list(image.shape), 'seconds': seconds})
        print(json.dumps(info))
    else:
        raise SystemExit(__doc__)


if __name__ == '__main__':
    main(sys.argv[1:])
