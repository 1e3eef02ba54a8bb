"""Checks an export's NIfTI files with nibabel, and places them against dcm2niix's conversion of
the same series. Prints one JSON object per case.

usage: export_check.py <exportDir> <dcm2niixDir> <caseId>=<seriesUid> ...
"""
import itertools
import json
import os
import sys

import nibabel as nib
import numpy as np
from scipy.ndimage import map_coordinates

out_dir, ref_dir = sys.argv[1], sys.argv[2]
manifest = {c["id"]: c for c in json.load(open(os.path.join(out_dir, "manifest.json")))["cases"]}


def corners(img):
    s = np.array(img.shape[:3]) - 1
    return np.array([img.affine @ np.array([*(np.array(c) * s), 1.0]) for c in itertools.product([0, 1], repeat=3)])[:, :3]


def text(h, field):
    return h[field].tobytes().decode("latin1").rstrip("\x00")


for pair in sys.argv[3:]:
    case_id, series_uid = pair.split("=", 1)
    files = manifest[case_id]["files"]
    ct = nib.load(os.path.join(out_dir, files["ctNifti"]))
    lung = nib.load(os.path.join(out_dir, files["lungNifti"]))
    h = ct.header
    a = np.asanyarray(ct.dataobj)
    m = np.asanyarray(lung.dataobj)
    r = {
        "id": case_id,
        "shape": list(a.shape),
        "dtype": str(a.dtype),
        "lungDtype": str(m.dtype),
        "codes": [int(h["qform_code"]), int(h["sform_code"])],
        "qformVsSform": float(np.abs(h.get_qform() - h.get_sform()).max()),
        "lungAffineSame": bool(np.allclose(lung.affine, ct.affine)),
        "text": [text(h, "descrip"), text(h, "aux_file"), text(h, "intent_name")],
        "zooms": [float(z) for z in h.get_zooms()],
    }
    if "ct" in files:  # NIfTI holds the same voxels as the .npy, x fastest
        r["ctEqualsNpy"] = bool(np.array_equal(a.T, np.load(os.path.join(out_dir, files["ct"]))))
        r["lungEqualsNpy"] = bool(np.array_equal(m.T, np.load(os.path.join(out_dir, files["lung"]))))
    ref_path = os.path.join(ref_dir, series_uid + ".nii.gz")
    ref = nib.load(ref_path)
    b = ref.get_fdata(dtype=np.float32)
    cb = corners(ref)
    # Corner voxels of a corner-aligned resampling sit on the source's corner voxels.
    r["cornerMaxMm"] = float(max(min(np.linalg.norm(p - q) for q in cb) for p in corners(ct)))
    rng = np.random.default_rng(0)
    idx = np.stack([rng.integers(0, n, 30000) for n in a.shape], 1)
    world = ct.affine @ np.c_[idx, np.ones(len(idx))].T
    v = (np.linalg.inv(ref.affine) @ world)[:3]
    inside = np.all((v.T >= 0) & (v.T <= np.array(b.shape[:3]) - 1), 1)
    bv = map_coordinates(b, v[:, inside], order=1)
    av = a[tuple(idx[inside].T)].astype(np.float32)
    fov = bv > -1100  # dcm2niix keeps padding outside the field of view as stored; we make it air
    av, bv = av[fov], bv[fov]
    r["samples"] = int(fov.sum())
    r["meanAbsHu"] = float(np.abs(av - bv).mean())
    # The same values paired at random: what a misplaced volume would score.
    r["shuffledMeanAbsHu"] = float(np.abs(av - rng.permutation(bv)).mean())
    print(json.dumps(r))
