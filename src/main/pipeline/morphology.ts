/**
 * Binary morphology with a ball of a physical radius on an anisotropic [z, y, x] grid, by
 * thresholding one squared distance transform: the cost does not depend on the radius, and the
 * only memory besides the uint8 masks is one Float32Array of distances.
 *
 * The ball is every offset whose physical distance is ≤ r (inclusive): the structuring element
 * scipy users build as `dist <= r` on the anisotropic grid. So r = 1 mm on a 1 mm grid is the
 * 6-neighbour cross plus the centre, and r = 0 is the centre alone. Offsets whose distance ties
 * r mathematically can land a rounding error either side of it in floating point (3 × 0.1 mm is
 * 0.30000000000000004), so "≤" is taken with a relative slack of {@link BALL_TOLERANCE} on d²:
 * ties are always inside, and the float32 distances (off by a few 1e-7) cannot flip them.
 * `test/oracle/morphology.py` builds scipy's structuring element with the same slack.
 *
 * Borders follow scipy.ndimage (binary_dilation / binary_erosion / binary_closing with the
 * default border_value=0): outside the volume is background. Dilation never grows past the
 * edge, and erosion removes every voxel within r of the edge. Hence scipy's closing artefact: a
 * mask touching the edge loses a rim of width r there (closing a full cube returns its inside
 * only). For lung masks cut by the first or last slice that rim is real lung, so closeBall takes
 * `pad: true`: the closing of the volume set in an unbounded zero background, cropped back,
 * which never removes a mask voxel (closing is then extensive, as in the textbook).
 */
import type { Vec3 } from '../../shared/api'
import { CuratorError } from '../../shared/errors'
import { checkGrid, squaredDistanceTransform } from './distanceTransform'

/** Relative slack on r² that keeps exact ties inside the ball despite rounding. */
export const BALL_TOLERANCE = 1e-6

export interface MorphologyOptions {
  /** Write the result here (it may be the input mask itself). */
  out?: Uint8Array
  /**
   * Distance buffer to reuse across calls; used when it holds at least the voxel count (the
   * padded count with `pad`), otherwise a new one is allocated. Its contents are overwritten.
   * A fresh 4 bytes/voxel array is not free: first-touching 192 MB cost ~0.6 s of page faults
   * on the machine the benchmark ran on, a sixth of a whole closing.
   */
  scratch?: Float32Array
}

export interface ErodeOptions extends MorphologyOptions {
  /** Value assumed outside the volume, as scipy's `border_value`. @default 0 */
  borderValue?: 0 | 1
}

export interface CloseOptions extends MorphologyOptions {
  /**
   * false: scipy's binary_closing (outside is background throughout, so a rim of width r is
   * eroded where the mask touches the edge). true: close as if the volume were padded with
   * zeros by the ball's extent and cropped back, so no mask voxel is ever removed. Costs one
   * padded copy of the mask and of the distance map.
   * @default false
   */
  pad?: boolean
}

/** The largest squared distance (mm²) inside a ball of `radiusMm`. */
export function ballLimit(radiusMm: number): number {
  if (!Number.isFinite(radiusMm) || radiusMm < 0)
    throw new CuratorError('BAD_ARGUMENT', `ball radius must be a finite number ≥ 0 mm, got ${radiusMm}`)
  return radiusMm * radiusMm * (1 + BALL_TOLERANCE)
}

/** How many voxels the ball reaches from its centre along each axis. */
export function ballHalfExtent(spacing: Readonly<Vec3>, radiusMm: number): Vec3 {
  const limit = ballLimit(radiusMm)
  const reach = (s: number): number => {
    let i = Math.floor(Math.sqrt(limit) / s)
    while ((i + 1) * s * ((i + 1) * s) <= limit) i++
    while (i > 0 && i * s * (i * s) > limit) i--
    return i
  }
  return [reach(spacing[0]), reach(spacing[1]), reach(spacing[2])]
}

function distances(length: number, scratch: Float32Array | undefined): Float32Array {
  return scratch !== undefined && scratch.length >= length ? scratch.subarray(0, length) : new Float32Array(length)
}

function output(mask: Uint8Array, out: Uint8Array | undefined): Uint8Array {
  if (out === undefined) return new Uint8Array(mask.length)
  if (out.length !== mask.length)
    throw new CuratorError('BAD_ARGUMENT', `out holds ${out.length} voxels, the mask ${mask.length}`)
  return out
}

/** Voxels within r of a nonzero voxel (scipy binary_dilation with the ball, border_value=0). */
export function dilateBall(
  mask: Uint8Array,
  shape: Readonly<Vec3>,
  spacing: Readonly<Vec3>,
  radiusMm: number,
  options: MorphologyOptions = {},
): Uint8Array {
  const limit = ballLimit(radiusMm)
  const dist = squaredDistanceTransform(mask, shape, spacing, {
    target: 'foreground',
    out: distances(mask.length, options.scratch),
    maxSquared: limit,
  })
  const out = output(mask, options.out)
  for (let i = 0; i < out.length; i++) out[i] = dist[i]! <= limit ? 1 : 0
  return out
}

/** Voxels whose whole ball is nonzero (scipy binary_erosion with the ball and border_value). */
export function erodeBall(
  mask: Uint8Array,
  shape: Readonly<Vec3>,
  spacing: Readonly<Vec3>,
  radiusMm: number,
  options: ErodeOptions = {},
): Uint8Array {
  const limit = ballLimit(radiusMm)
  const dist = squaredDistanceTransform(mask, shape, spacing, {
    target: 'background',
    outsideIsTarget: (options.borderValue ?? 0) === 0,
    out: distances(mask.length, options.scratch),
    maxSquared: limit,
  })
  const out = output(mask, options.out)
  for (let i = 0; i < out.length; i++) out[i] = dist[i]! > limit ? 1 : 0
  return out
}

/** Dilation then erosion by the same ball (scipy binary_closing), bridging gaps up to ~2r. */
export function closeBall(
  mask: Uint8Array,
  shape: Readonly<Vec3>,
  spacing: Readonly<Vec3>,
  radiusMm: number,
  options: CloseOptions = {},
): Uint8Array {
  checkGrid(mask.length, shape, spacing)
  const limit = ballLimit(radiusMm)
  const out = output(mask, options.out)
  if (options.pad === true) return closePadded(mask, shape, spacing, radiusMm, out, options.scratch)
  // One distance map serves both steps; the dilated mask lives in `out` and is eroded in place.
  const dist = squaredDistanceTransform(mask, shape, spacing, {
    target: 'foreground',
    out: distances(mask.length, options.scratch),
    maxSquared: limit,
  })
  for (let i = 0; i < out.length; i++) out[i] = dist[i]! <= limit ? 1 : 0
  squaredDistanceTransform(out, shape, spacing, { target: 'background', outsideIsTarget: true, out: dist, maxSquared: limit })
  for (let i = 0; i < out.length; i++) out[i] = dist[i]! > limit ? 1 : 0
  return out
}

/**
 * Closing in a zero-padded copy, margin = the ball's reach: every point a ball around an
 * inside voxel touches is then inside the copy, with its true dilated value, so the padded
 * copy's own (scipy) border never matters for the voxels kept.
 */
function closePadded(
  mask: Uint8Array,
  shape: Readonly<Vec3>,
  spacing: Readonly<Vec3>,
  radiusMm: number,
  out: Uint8Array,
  scratch: Float32Array | undefined,
): Uint8Array {
  const [nz, ny, nx] = shape
  const [hz, hy, hx] = ballHalfExtent(spacing, radiusMm)
  const padded: Vec3 = [nz + 2 * hz, ny + 2 * hy, nx + 2 * hx]
  const big = new Uint8Array(padded[0] * padded[1] * padded[2])
  const at = (z: number, y: number): number => ((z + hz) * padded[1] + (y + hy)) * padded[2] + hx
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) big.set(mask.subarray((z * ny + y) * nx, (z * ny + y + 1) * nx), at(z, y))
  closeBall(big, padded, spacing, radiusMm, { out: big, scratch })
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) out.set(big.subarray(at(z, y), at(z, y) + nx), (z * ny + y) * nx)
  return out
}
