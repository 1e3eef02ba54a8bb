#!/usr/bin/python3
"""scipy.ndimage oracle for src/main/pipeline/morphology.ts (Debian's scipy 1.10).

    morphology.py MASK.npy OUT_PREFIX --spacing Z Y X --radius R [--ops dilate,erode,...] [--time]

Reads a uint8 (or bool) [z, y, x] mask, builds the ball structuring element on the anisotropic
grid and writes OUT_PREFIX.<op>.npy (uint8) for each op:
  dilate     binary_dilation(mask, ball)                      (border_value=0)
  erode      binary_erosion(mask, ball)                       (border_value=0)
  erode1     binary_erosion(mask, ball, border_value=1)
  close      binary_closing(mask, ball)                       (border_value=0: rim artefact)
  close_pad  binary_closing of the mask zero-padded by the ball's reach, cropped back
With --time, prints one line of JSON with each op's wall time in seconds.

The ball is `dist <= r`, with the same relative slack on dist**2 as morphology.ts
(BALL_TOLERANCE = 1e-6) so that offsets lying exactly on the sphere are inside even when
rounding puts them a hair outside (3 * 0.1 mm is 0.30000000000000004 > 0.3).
"""
import argparse
import json
import time

import numpy as np
from scipy import ndimage

BALL_TOLERANCE = 1e-6
OPS = ("dilate", "erode", "erode1", "close", "close_pad")


def ball(spacing, radius):
    limit = radius * radius * (1 + BALL_TOLERANCE)
    half = [int(np.ceil(radius / s)) + 1 for s in spacing]
    zz, yy, xx = np.meshgrid(*[np.arange(-h, h + 1) * s for h, s in zip(half, spacing)], indexing="ij")
    se = zz**2 + yy**2 + xx**2 <= limit
    # Trim the all-false margin (keeps the element small and centred; results do not change).
    reach = [int(np.max(np.abs(np.nonzero(se)[a] - half[a]))) for a in range(3)]
    return se[tuple(slice(h - r, h + r + 1) for h, r in zip(half, reach))], reach


def run(op, mask, se, reach):
    if op == "dilate":
        return ndimage.binary_dilation(mask, se)
    if op == "erode":
        return ndimage.binary_erosion(mask, se)
    if op == "erode1":
        return ndimage.binary_erosion(mask, se, border_value=1)
    if op == "close":
        return ndimage.binary_closing(mask, se)
    if op == "close_pad":
        padded = np.pad(mask, [(r, r) for r in reach])
        closed = ndimage.binary_closing(padded, se)
        return closed[tuple(slice(r, r + n) for r, n in zip(reach, mask.shape))]
    raise SystemExit(f"unknown op {op!r}; expected one of {', '.join(OPS)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mask")
    ap.add_argument("out_prefix")
    ap.add_argument("--spacing", type=float, nargs=3, required=True, metavar=("Z", "Y", "X"))
    ap.add_argument("--radius", type=float, required=True)
    ap.add_argument("--ops", default=",".join(OPS))
    ap.add_argument("--time", action="store_true")
    args = ap.parse_args()
    mask = np.load(args.mask) != 0
    se, reach = ball(args.spacing, args.radius)
    times = {}
    for op in args.ops.split(","):
        t0 = time.perf_counter()
        result = run(op, mask, se, reach)
        times[op] = time.perf_counter() - t0
        np.save(f"{args.out_prefix}.{op}.npy", result.astype(np.uint8))
    if args.time:
        print(json.dumps({"shape": list(mask.shape), "ballVoxels": int(se.sum()), "seconds": times}))


if __name__ == "__main__":
    main()
