"""The tutorial's load_scan + get_pixels_hu, verbatim but for the pydicom import name, as the
oracle for seed-mode HU. Usage: hu.py <series_dir> <out.npy> [<order.txt>]"""
import os
import sys

import numpy as np
import pydicom as dicom


def load_scan(path):
    slices = [dicom.read_file(path + '/' + s) for s in os.listdir(path)]
    slices.sort(key=lambda x: float(x.ImagePositionPatient[2]))
    try:
        slice_thickness = np.abs(slices[0].ImagePositionPatient[2] - slices[1].ImagePositionPatient[2])
    except:  # noqa: E722 (the tutorial's own bare except)
        slice_thickness = np.abs(slices[0].SliceLocation - slices[1].SliceLocation)

    for s in slices:
        s.SliceThickness = slice_thickness

    return slices


def get_pixels_hu(slices):
    image = np.stack([s.pixel_array for s in slices])
    image = image.astype(np.int16)
    image[image == -2000] = 0
    for slice_number in range(len(slices)):
        intercept = slices[slice_number].RescaleIntercept
        slope = slices[slice_number].RescaleSlope
        if slope != 1:
            image[slice_number] = slope * image[slice_number].astype(np.float64)
            image[slice_number] = image[slice_number].astype(np.int16)
        image[slice_number] += np.int16(intercept)
    return np.array(image, dtype=np.int16)


if __name__ == '__main__':
    slices = load_scan(sys.argv[1])
    np.save(sys.argv[2], get_pixels_hu(slices))
    if len(sys.argv) > 3:
        with open(sys.argv[3], 'w') as f:
            f.write('\n'.join(os.path.basename(s.filename) for s in slices) + '\n')
            f.write('thickness %r\n' % float(slices[0].SliceThickness))
