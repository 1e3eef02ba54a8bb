"""Reference for the pipeline benchmark: the seed tutorial's whole preprocessing on one series.

    /usr/bin/python3 pipeline_tutorial.py <series folder> [--linear]

Runs, as the tutorial's notebook does (every result kept alive, as its globals are):
load_scan + get_pixels_hu, resample (scipy.ndimage.zoom order 3, mode 'nearest', on the
tutorial's grid), segment_lung_mask(fill_lung_structures=False) then (True). The functions are
imported from test/oracle (segment.py holds them verbatim, zoom.py the grid arithmetic), not
copied. --linear also times zoom order 1 on the same grid (not a tutorial step; its result is
dropped at once). Times each stage (wall and CPU, of it system, and minor page faults), reads
the running peak RSS (getrusage ru_maxrss) after each, and prints one JSON line with the
sha256 of the resampled volume (int16 LE) and of both masks (uint8) to compare with ours.
Interpreter start and imports are not timed; the RSS after them is reported as the baseline.
"""
import hashlib
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'oracle'))
import numpy as np  # noqa: E402
from segment import get_pixels_hu, load_scan, segment_lung_mask  # noqa: E402
from zoom import tutorial_grid, zoom  # noqa: E402


def peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def rss_now():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def usage():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime, r.ru_stime, r.ru_minflt


def sha(a, dtype):
    return hashlib.sha256(np.ascontiguousarray(a.astype(dtype, copy=False)).tobytes()).hexdigest()


def main():
    path = sys.argv[1].rstrip('/')
    stages = {}

    def stage(name, f):
        u, t = usage(), time.perf_counter()
        v = f()
        seconds = time.perf_counter() - t
        n = usage()
        stages[name] = {
            'seconds': seconds,
            'cpuSeconds': n[0] - u[0],
            'sysSeconds': n[1] - u[1],
            'minorFaults': n[2] - u[2],
            'peakRssAfter': peak_rss(),
            'rssAfter': rss_now(),
        }
        return v

    baseline = rss_now()

    def read_hu():
        patient = load_scan(path)
        return patient, get_pixels_hu(patient)

    patient, patient_pixels = stage('readHu', read_hu)
    first = patient[0]
    factors, info = tutorial_grid(np.array(patient_pixels.shape), first.SliceThickness, first.PixelSpacing)
    if '--linear' in sys.argv:
        stage('resampleLinear', lambda: zoom(patient_pixels, factors, 1)[0].shape)
    pix_resampled = stage('resampleCubic', lambda: zoom(patient_pixels, factors, 3)[0])
    segmented_lungs = stage('segmentNoFill', lambda: segment_lung_mask(pix_resampled, False))
    segmented_lungs_fill = stage('segmentFill', lambda: segment_lung_mask(pix_resampled, True))
    print(json.dumps({
        'stages': stages,
        'baselineRss': baseline,
        'peakRss': peak_rss(),
        'shape': list(patient_pixels.shape),
        'resampledShape': list(pix_resampled.shape),
        'newSpacing': info['new_spacing'],
        'sha256': {
            'resampled': sha(pix_resampled, '<i2'),
            'fill': sha(segmented_lungs_fill, np.uint8),
            'noFill': sha(segmented_lungs, np.uint8),
        },
    }))


main()
