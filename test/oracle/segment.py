#!/usr/bin/python3
"""Oracle for the lung segmentation: the tutorial's own functions under scikit-image.

Run with Debian's /usr/bin/python3 (numpy 1.24, scikit-image 0.19, pydicom 2.3).

  segment.py segment IN.npy OUT_PREFIX
      IN.npy: int16 HU volume [z, y, x] (already resampled, or not: the tutorial does not care).
      Writes OUT_PREFIX_fill.npy and OUT_PREFIX_nofill.npy (uint8 0/1), the tutorial's
      segment_lung_mask(image, True) and (image, False).
  segment.py label IN.npy OUT.i32 CONNECTIVITY BACKGROUND
      skimage.measure.label(image, background=BACKGROUND, connectivity=CONNECTIVITY) written as raw
      little-endian int32 (C order). BACKGROUND 'none' leaves the argument out (skimage then
      treats 0 as background).
  segment.py hu DICOM_DIR OUT.npy
      The tutorial's load_scan + get_pixels_hu on a folder of slices, written as int16.
  segment.py hist IN.npy OUT.json
      np.histogram(image.flatten(), bins=80), what the tutorial's plt.hist plots, as JSON
      {"counts": [...], "edges": [...]} (floats written with repr: they read back exactly).
  segment.py jobs JOBS.json
      Runs a list of the commands above, e.g. [["hu", dir, out], ["segment", in, prefix]], in
      one process: importing scikit-image costs more than segmenting a small phantom.

Everything between the two "verbatim" markers is copied from the seed tutorial
(shared/seed/000_f11c6c0a23020b86.txt); only `dicom.read_file` became `dicom.dcmread`.
"""
import json
import os
import sys

import numpy as np
import pydicom as dicom
from skimage import measure

# --- verbatim from the tutorial ---------------------------------------------------------------

def load_scan(path):
    slices = [dicom.dcmread(path + '/' + s) for s in os.listdir(path)]
    slices.sort(key = lambda x: float(x.ImagePositionPatient[2]))
    try:
        slice_thickness = np.abs(slices[0].ImagePositionPatient[2] - slices[1].ImagePositionPatient[2])
    except:
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

def largest_label_volume(im, bg=-1):
    vals, counts = np.unique(im, return_counts=True)

    counts = counts[vals != bg]
    vals = vals[vals != bg]

    if len(counts) > 0:
        return vals[np.argmax(counts)]
    else:
        return None

def segment_lung_mask(image, fill_lung_structures=True):

    # not actually binary, but 1 and 2.
    # 0 is treated as background, which we do not want
    binary_image = np.array(image > -320, dtype=np.int8)+1
    labels = measure.label(binary_image)

    # Pick the pixel in the very corner to determine which label is air.
    #   Improvement: Pick multiple background labels from around the patient
    #   More resistant to "trays" on which the patient lays cutting the air
    #   around the person in half
    background_label = labels[0,0,0]

    #Fill the air around the person
    binary_image[background_label == labels] = 2


    # Method of filling the lung structures (that is superior to something like
    # morphological closing)
    if fill_lung_structures:
        # For every slice we determine the largest solid structure
        for i, axial_slice in enumerate(binary_image):
            axial_slice = axial_slice - 1
            labeling = measure.label(axial_slice)
            l_max = largest_label_volume(labeling, bg=0)

            if l_max is not None: #This slice contains some lung
                binary_image[i][labeling != l_max] = 1


    binary_image -= 1 #Make the image actual binary
    binary_image = 1-binary_image # Invert it, lungs are now 1

    # Remove other air pockets insided body
    labels = measure.label(binary_image, background=0)
    l_max = largest_label_volume(labels, bg=0)
    if l_max is not None: # There are air pockets
        binary_image[labels != l_max] = 0

    return binary_image

# --- end of verbatim ---------------------------------------------------------------------------


def run(cmd, args):
    if cmd == 'segment':
        image = np.load(args[0])
        assert image.dtype == np.int16, image.dtype
        for fill, suffix in ((True, 'fill'), (False, 'nofill')):
            mask = segment_lung_mask(image, fill)
            np.save('%s_%s.npy' % (args[1], suffix), mask.astype(np.uint8))
    elif cmd == 'label':
        image = np.load(args[0])
        kwargs = {'connectivity': int(args[2])}
        if args[3] != 'none':
            kwargs['background'] = int(args[3])
        labels = measure.label(image, **kwargs)
        labels.astype('<i4').tofile(args[1])
    elif cmd == 'hu':
        np.save(args[1], get_pixels_hu(load_scan(args[0].rstrip('/'))))
    elif cmd == 'hist':
        counts, edges = np.histogram(np.load(args[0]).flatten(), bins=80)
        with open(args[1], 'w') as f:
            f.write('{"counts": [%s], "edges": [%s]}' % (
                ', '.join(str(int(c)) for c in counts), ', '.join(repr(float(e)) for e in edges)))
    elif cmd == 'jobs':
        with open(args[0]) as f:
            for job in json.load(f):
                run(job[0], job[1:])
    else:
        raise SystemExit('unknown command %r' % cmd)


if __name__ == '__main__':
    run(sys.argv[1], sys.argv[2:])
