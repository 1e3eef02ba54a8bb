"""Reference for the load + HU benchmark: the tutorial's load_scan and get_pixels_hu.

    /usr/bin/python3 load_hu_pydicom.py <series folder> [repeats]

Each repeat reads every file with pydicom (full read), sorts by ImagePositionPatient[2], and
runs get_pixels_hu (numpy; pixel decoding happens there, in pixel_array). Times each repeat,
not the interpreter start or the imports. Prints one JSON line with every repeat's times and
the sha256 of the last int16 volume (C order, little endian) to compare outputs.
"""
import hashlib
import json
import os
import sys
import time

import numpy as np
import pydicom


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'oracle'))
from segment import get_pixels_hu  # noqa: E402  (the tutorial's function, verbatim)


def load_scan(path):
    # The tutorial's load_scan minus its thickness fix-up, which the benchmark does not need.
    slices = [pydicom.dcmread(os.path.join(path, s)) for s in os.listdir(path)]
    slices.sort(key=lambda x: float(x.ImagePositionPatient[2]))
    return slices


def main():
    path = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    runs = []
    image = None
    for _ in range(repeats):
        image = None
        t0 = time.perf_counter()
        slices = load_scan(path)
        t1 = time.perf_counter()
        image = get_pixels_hu(slices)
        t2 = time.perf_counter()
        runs.append({'read': t1 - t0, 'hu': t2 - t1, 'total': t2 - t0})
        del slices
    le = image.astype('<i2', copy=False)
    print(json.dumps({
        'runs': runs,
        'shape': list(image.shape),
        'sha256': hashlib.sha256(np.ascontiguousarray(le).tobytes()).hexdigest(),
    }))


main()
