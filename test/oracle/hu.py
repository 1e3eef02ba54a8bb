"""The tutorial's load_scan + get_pixels_hu (verbatim in segment.py) as the oracle for seed-mode
HU. Usage: hu.py <series_dir> <out.npy>"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from segment import get_pixels_hu, load_scan  # noqa: E402

if __name__ == '__main__':
    np.save(sys.argv[2], get_pixels_hu(load_scan(sys.argv[1])))
