"""Reference for the indexing benchmark: pydicom reads the header of every file of a tree.

    /usr/bin/python3 index_pydicom.py <root> [--attrs]

Walks the tree with os.walk and calls dcmread(path, stop_before_pixels=True) on every file;
with --attrs it also reads the attributes CT Curator's index keeps (pydicom converts values
lazily, so plain dcmread leaves them as raw bytes). Times the walk and the reads, not the
interpreter start or the import. Prints one JSON line.
"""
import json
import os
import sys
import time

import pydicom

ATTRS = (
    'SOPClassUID', 'SOPInstanceUID', 'StudyInstanceUID', 'SeriesInstanceUID', 'PatientID', 'PatientName',
    'Modality', 'ImageType', 'SeriesDescription', 'SeriesNumber', 'Manufacturer', 'ConvolutionKernel',
    'AcquisitionDate', 'Rows', 'Columns', 'BitsAllocated', 'BitsStored', 'PixelRepresentation',
    'SamplesPerPixel', 'PhotometricInterpretation', 'ImagePositionPatient', 'ImageOrientationPatient',
    'PixelSpacing', 'SliceThickness', 'SpacingBetweenSlices', 'SliceLocation', 'InstanceNumber',
    'RescaleSlope', 'RescaleIntercept', 'PixelPaddingValue', 'GantryDetectorTilt',
)


def main():
    root = sys.argv[1]
    attrs = '--attrs' in sys.argv[2:]
    t0 = time.perf_counter()
    files = 0
    failed = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            files += 1
            try:
                ds = pydicom.dcmread(path, stop_before_pixels=True)
                if attrs:
                    for a in ATTRS:
                        ds.get(a)
            except Exception:
                failed += 1
    seconds = time.perf_counter() - t0
    print(json.dumps({'seconds': seconds, 'files': files, 'failed': failed}))


main()
