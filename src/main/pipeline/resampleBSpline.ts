/**
 * Cubic B-spline zoom of an int16 volume, reproducing the tutorial's
 * `scipy.ndimage.zoom(image, real_factor, order=3, mode='nearest')` of scipy 1.10:
 *
 * 1. `_prepad_for_spline_filter`: for mode 'nearest' the input is padded by 12 copies of its
 *    edge value on every side (`numpy.pad(input, 12, mode='edge')`);
 * 2. `spline_filter(padded, 3, output=float64, mode='nearest')`: per axis, gain 6 and one causal
 *    plus one anti-causal recursive filter with pole z = √3 − 2. For 'nearest', scipy 1.10
 *    starts them with the *reflect* (half-sample symmetric) boundary — `_init_causal_reflect`,
 *    `c[n−1] *= z/(z − 1)` — not the mirror one (checked on Debian's scipy 1.10.1:
 *    `spline_filter1d(x, mode='nearest')` equals the reflect filter to 1e-13 and differs from the
 *    mirror filter by tens of units at the ends of a random line). Behind 12 samples of padding
 *    the choice moves the result by ~|z|^12 ≈ 1e-7 of the edge step, so it matters only for
 *    bit-exactness;
 * 3. `zoom_shift` with corners aligned: output `o` reads padded coordinate
 *    `cc = o·(n_in − 1)/(n_out − 1) + 12` (zoom 1 when n_out = 1), taps `floor(cc) − 1 … + 2`
 *    with the weights of `get_spline_interpolation_weights`; the taps never leave the padded
 *    line, so no boundary mapping happens;
 * 4. the float result is written to int16 rounding half away from zero and clipping.
 *
 * Here each axis is a 1-D pass (see resampleSeparable.ts). The gain is folded into the weights.
 */
import { type AxisPlan, zoomScratchLength as scratchLength, zoomSeparable, type ZoomBuffers } from './resampleSeparable'

/** scipy's pole for order 3, √3 − 2: the double its literal -0.2679491924311227064725… parses to. */
export const BSPLINE_POLE = -0.2679491924311227
const Z = BSPLINE_POLE
/** scipy's `_apply_filter_gain`: (1 − z)(1 − 1/z), ≈ 6. */
const GAIN = (1 - Z) * (1 - 1 / Z)
/** Edge samples scipy adds for mode 'nearest' before prefiltering. */
export const NEAREST_PREPAD = 12
/**
 * Terms of the causal initial sum kept. scipy sums all n; |z|^32 < 1e-18, so the terms left out
 * change a coefficient by less than 1e-13 HU.
 */
const HORIZON = 32

/** The causal filter's reflect-boundary start value for one line at stride `inner`, column `c`. */
function causalInit(w: Float64Array, len: number, inner: number, c: number, zn: number, k: number): number {
  const c0 = w[c]!
  let s = c0 + zn * w[(len - 1) * inner + c]!
  let zi = Z
  for (let i = 1; i <= k; i++) {
    s += zi * (w[i * inner + c]! + zn * w[(len - 1 - i) * inner + c]!)
    zi *= Z
  }
  return s * (Z / (1 - zn * zn)) + c0
}

/**
 * In-place cubic B-spline prefilter (without the gain) of `inner` interleaved lines of length
 * `len` (`w[i·inner + c]`), reflect boundary as scipy's 'nearest'. Coefficients below `lo` are
 * not computed (the interpolation never reads them).
 */
export function bsplinePrefilter(w: Float64Array, len: number, inner: number, lo: number): void {
  if (len < 2) return // scipy leaves a 1-sample line alone
  const zn = Math.pow(Z, len)
  const k = Math.min(len - 1, HORIZON)
  const last = (len - 1) * inner
  const anti = Z / (Z - 1)
  if (inner === 1) {
    w[0] = causalInit(w, len, 1, 0, zn, k)
    for (let i = 1; i < len; i++) w[i] = w[i]! + Z * w[i - 1]!
    w[last] = w[last]! * anti
    for (let i = len - 2; i >= lo; i--) w[i] = Z * (w[i + 1]! - w[i]!)
    return
  }
  const init = new Float64Array(inner)
  for (let c = 0; c < inner; c++) init[c] = causalInit(w, len, inner, c, zn, k)
  w.set(init, 0)
  for (let i = 1; i < len; i++) {
    const r = i * inner
    const p = r - inner
    for (let c = 0; c < inner; c++) w[r + c] = w[r + c]! + Z * w[p + c]!
  }
  for (let c = 0; c < inner; c++) w[last + c] = w[last + c]! * anti
  for (let i = len - 2; i >= lo; i--) {
    const r = i * inner
    const n = r + inner
    for (let c = 0; c < inner; c++) w[r + c] = Z * (w[n + c]! - w[r + c]!)
  }
}

/** Per-output taps and weights of one axis, as scipy's zoom_shift computes them (gain folded in). */
export function cubicAxisPlan(nIn: number, nOut: number): AxisPlan {
  const zoom = nOut > 1 ? (nIn - 1) / (nOut - 1) : 1
  const start = new Int32Array(nOut)
  const weights = new Float64Array(nOut * 4)
  for (let o = 0; o < nOut; o++) {
    const cc = o * zoom + NEAREST_PREPAD
    const f = Math.floor(cc)
    start[o] = f - 1
    const y = cc - f
    const z = 1 - y
    const w1 = (y * y * (y - 2) * 3 + 4) / 6
    const w2 = (z * z * (z - 2) * 3 + 4) / 6
    const w0 = (z * z * z) / 6
    const w3 = 1 - w0 - w1 - w2 // scipy: the weights sum to 1
    weights[4 * o] = w0 * GAIN
    weights[4 * o + 1] = w1 * GAIN
    weights[4 * o + 2] = w2 * GAIN
    weights[4 * o + 3] = w3 * GAIN
  }
  return { nIn, nOut, pad: NEAREST_PREPAD, taps: 4, start, weights, prefilter: bsplinePrefilter, pole: Z }
}

/** Length of the float32 scratch {@link zoomCubic} can reuse between calls. */
export const zoomScratchLength = scratchLength

/**
 * `scipy.ndimage.zoom(src, outShape / shape, order=3, mode='nearest')` for an int16 [z][y][x]
 * volume, corners aligned. Agrees with scipy 1.10 within 1 HU on every voxel tested and is
 * identical on ≥ 99.999 % of them: the float32 intermediate rounds by ~1e-4 HU, which flips a
 * value lying that close to .5 to the other integer.
 * @param buffers memory to use instead of allocating (see ZoomBuffers).
 */
export function zoomCubic(
  src: Int16Array,
  shape: readonly number[],
  outShape: readonly number[],
  buffers: ZoomBuffers = {},
): Int16Array {
  return zoomSeparable(src, shape, outShape, cubicAxisPlan, buffers)
}
