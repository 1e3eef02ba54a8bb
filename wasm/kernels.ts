// AssemblyScript, not TypeScript: compiled by `npm run wasm` into
// src/main/pipeline/kernels.wasm.ts (a test checks that the committed bytes are this file's).
//
// The arithmetic kernels of the cubic B-spline zoom (src/main/pipeline/resampleBSpline.ts and
// resampleSeparable.ts) over float64 lines in this module's memory, two lanes at a time. Every
// lane does exactly the operations of the JavaScript version in the same order (WebAssembly has
// no fused multiply-add and rounds each operation as JavaScript does), so the results are the
// same bits: the zoom's output does not depend on which version ran.

/** scipy's pole for order 3, √3 − 2 (as resampleBSpline.ts). */
const Z: f64 = -0.2679491924311227
/** Terms of the causal initial sum kept (as resampleBSpline.ts). */
const HORIZON: i32 = 32

/**
 * In-place cubic B-spline prefilter of `inner` interleaved lines of length `len` at byte offset
 * `w` (float64, `w[i·inner + c]`), reflect boundary; rows below `lo` are not computed on the way
 * back. `zn` = Z^len, computed by the caller with JavaScript's Math.pow.
 */
export function prefilter(w: usize, len: i32, inner: i32, lo: i32, zn: f64): void {
  if (len < 2) return
  const k = min(len - 1, HORIZON)
  const stride = <usize>inner << 3
  const last = w + <usize>(len - 1) * stride
  const anti = Z / (Z - 1)
  const scale = Z / (1 - zn * zn)
  const pairs = inner & ~1
  const vZ = f64x2.splat(Z)
  const vzn = f64x2.splat(zn)
  // Causal start value of each line (reads row 0 of its own line only before writing it).
  let c = 0
  for (; c < pairs; c += 2) {
    const off = <usize>c << 3
    const c0 = v128.load(w + off)
    let s = f64x2.add(c0, f64x2.mul(vzn, v128.load(last + off)))
    let zi = Z
    for (let i = 1; i <= k; i++) {
      const a = v128.load(w + <usize>i * stride + off)
      const b = v128.load(w + <usize>(len - 1 - i) * stride + off)
      s = f64x2.add(s, f64x2.mul(f64x2.splat(zi), f64x2.add(a, f64x2.mul(vzn, b))))
      zi *= Z
    }
    v128.store(w + off, f64x2.add(f64x2.mul(s, f64x2.splat(scale)), c0))
  }
  for (; c < inner; c++) {
    const off = <usize>c << 3
    const c0 = load<f64>(w + off)
    let s = c0 + zn * load<f64>(last + off)
    let zi = Z
    for (let i = 1; i <= k; i++) {
      s += zi * (load<f64>(w + <usize>i * stride + off) + zn * load<f64>(w + <usize>(len - 1 - i) * stride + off))
      zi *= Z
    }
    store<f64>(w + off, s * scale + c0)
  }
  // Causal: w[i] = w[i] + Z·w[i − 1].
  for (let i = 1; i < len; i++) {
    const r = w + <usize>i * stride
    const p = r - stride
    let c = 0
    for (; c < pairs; c += 2) {
      const off = <usize>c << 3
      v128.store(r + off, f64x2.add(v128.load(r + off), f64x2.mul(vZ, v128.load(p + off))))
    }
    for (; c < inner; c++) {
      const off = <usize>c << 3
      store<f64>(r + off, load<f64>(r + off) + Z * load<f64>(p + off))
    }
  }
  const vanti = f64x2.splat(anti)
  c = 0
  for (; c < pairs; c += 2) v128.store(last + (<usize>c << 3), f64x2.mul(v128.load(last + (<usize>c << 3)), vanti))
  for (; c < inner; c++) store<f64>(last + (<usize>c << 3), load<f64>(last + (<usize>c << 3)) * anti)
  // Anti-causal: w[i] = Z·(w[i + 1] − w[i]).
  for (let i = len - 2; i >= lo; i--) {
    const r = w + <usize>i * stride
    const n = r + stride
    let c = 0
    for (; c < pairs; c += 2) {
      const off = <usize>c << 3
      v128.store(r + off, f64x2.mul(vZ, f64x2.sub(v128.load(n + off), v128.load(r + off))))
    }
    for (; c < inner; c++) {
      const off = <usize>c << 3
      store<f64>(r + off, Z * (load<f64>(n + off) - load<f64>(r + off)))
    }
  }
}

/**
 * `inner` interleaved lines at once, 4 taps: out[o·inner + c] = w0·a + w1·b + w2·c + w3·d, summed
 * left to right, with a..d the rows start[o] … start[o] + 3 of `work`. `start` is int32 and
 * `weights` float64 (4 per output), both at byte offsets in this memory.
 */
export function interp4(work: usize, inner: i32, start: usize, weights: usize, nOut: i32, out: usize): void {
  const stride = <usize>inner << 3
  const pairs = inner & ~1
  for (let o = 0; o < nOut; o++) {
    const wj = weights + (<usize>o << 5)
    const w0 = load<f64>(wj)
    const w1 = load<f64>(wj, 8)
    const w2 = load<f64>(wj, 16)
    const w3 = load<f64>(wj, 24)
    const v0 = f64x2.splat(w0)
    const v1 = f64x2.splat(w1)
    const v2 = f64x2.splat(w2)
    const v3 = f64x2.splat(w3)
    const r0 = work + <usize>load<i32>(start + (<usize>o << 2)) * stride
    const r1 = r0 + stride
    const r2 = r1 + stride
    const r3 = r2 + stride
    const q = out + <usize>o * stride
    let c = 0
    for (; c < pairs; c += 2) {
      const off = <usize>c << 3
      let t = f64x2.add(f64x2.mul(v0, v128.load(r0 + off)), f64x2.mul(v1, v128.load(r1 + off)))
      t = f64x2.add(t, f64x2.mul(v2, v128.load(r2 + off)))
      t = f64x2.add(t, f64x2.mul(v3, v128.load(r3 + off)))
      v128.store(q + off, t)
    }
    for (; c < inner; c++) {
      const off = <usize>c << 3
      store<f64>(q + off, w0 * load<f64>(r0 + off) + w1 * load<f64>(r1 + off) + w2 * load<f64>(r2 + off) + w3 * load<f64>(r3 + off))
    }
  }
}

/** dst[i] = src[i] as float64, i < n; src is int16 or (isF32) float32. */
export function widen(src: usize, isF32: i32, n: i32, dst: usize): void {
  let i = 0
  if (isF32) {
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(src + (<usize>i << 2))
      v128.store(dst + (<usize>i << 3), f64x2.promote_low_f32x4(v))
      v128.store(dst + (<usize>i << 3), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), 16)
    }
    for (; i < n; i++) store<f64>(dst + (<usize>i << 3), <f64>load<f32>(src + (<usize>i << 2)))
  } else {
    for (; i + 4 <= n; i += 4) {
      const v = i32x4.extend_low_i16x8_s(v128.load64_zero(src + (<usize>i << 1)))
      v128.store(dst + (<usize>i << 3), f64x2.convert_low_i32x4_s(v))
      v128.store(dst + (<usize>i << 3), f64x2.convert_low_i32x4_s(v128.shuffle<i32>(v, v, 2, 3, 0, 1)), 16)
    }
    for (; i < n; i++) store<f64>(dst + (<usize>i << 3), <f64>load<i16>(src + (<usize>i << 1)))
  }
}

/** Float64 transpose: dst[j·a + i] = src[i·b + j] for i < a, j < b. */
export function transpose(src: usize, a: i32, b: i32, dst: usize): void {
  for (let i = 0; i < a; i++) {
    const row = src + (<usize>(i * b) << 3)
    for (let j = 0; j < b; j++) store<f64>(dst + (<usize>(j * a + i) << 3), load<f64>(row + (<usize>j << 3)))
  }
}

/**
 * Float64 → int16 as scipy writes the zoom's result: round half away from zero, clip to the
 * int16 range (resampleSeparable.ts storeInt16). Two lanes: t ± 0.5 by t's sign (at t = 0 both
 * truncate to 0), truncated with saturation to int32, then narrowed with saturation to int16 —
 * the same as clipping first, since clipping and truncation commute at the int16 bounds.
 */
export function narrowI16(src: usize, n: i32, dst: usize): void {
  const half = f64x2.splat(0.5)
  const nhalf = f64x2.splat(-0.5)
  const zero = f64x2.splat(0)
  let i = 0
  for (; i + 4 <= n; i += 4) {
    const a = v128.load(src + (<usize>i << 3))
    const b = v128.load(src + (<usize>i << 3), 16)
    const ra = f64x2.add(a, v128.bitselect(half, nhalf, f64x2.gt(a, zero)))
    const rb = f64x2.add(b, v128.bitselect(half, nhalf, f64x2.gt(b, zero)))
    // Lanes 0–1 of each truncation hold the two int32s; gather the four, then narrow.
    const ia = i32x4.trunc_sat_f64x2_s_zero(ra)
    const ib = i32x4.trunc_sat_f64x2_s_zero(rb)
    const four = v128.shuffle<i32>(ia, ib, 0, 1, 4, 5)
    v128.store64_lane(dst + (<usize>i << 1), i16x8.narrow_i32x4_s(four, four), 0)
  }
  for (; i < n; i++) {
    const t = load<f64>(src + (<usize>i << 3))
    const v = t > 0 ? t + 0.5 : t - 0.5
    store<i16>(dst + (<usize>i << 1), <i16><i32>(v > 32767 ? 32767 : v < -32768 ? -32768 : v))
  }
}

/** Float64 → float32, rounding to nearest (what a Float32Array store does). */
export function narrowF32(src: usize, n: i32, dst: usize): void {
  let i = 0
  for (; i + 4 <= n; i += 4) {
    const a = f32x4.demote_f64x2_zero(v128.load(src + (<usize>i << 3)))
    const b = f32x4.demote_f64x2_zero(v128.load(src + (<usize>i << 3), 16))
    v128.store(dst + (<usize>i << 2), v128.shuffle<f32>(a, b, 0, 1, 4, 5))
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>load<f64>(src + (<usize>i << 3)))
}

/**
 * `r` contiguous rows of `n` int16 (or, with isF32, float32) values → float64, interleaved:
 * dst[i·r + k] = src[k·n + i] (the x pass filters its rows side by side).
 */
export function interleave(src: usize, isF32: i32, r: i32, n: i32, dst: usize): void {
  for (let k = 0; k < r; k++) {
    const out = dst + (<usize>k << 3)
    const step = <usize>r << 3
    if (isF32) {
      const row = src + (<usize>(k * n) << 2)
      for (let i = 0; i < n; i++) store<f64>(out + <usize>i * step, <f64>load<f32>(row + (<usize>i << 2)))
    } else {
      const row = src + (<usize>(k * n) << 1)
      for (let i = 0; i < n; i++) store<f64>(out + <usize>i * step, <f64>load<i16>(row + (<usize>i << 1)))
    }
  }
}

// ---- Bounded squared distance transform (src/main/pipeline/distanceTransform.ts, maxSquared) ----
// The same operations as its JavaScript rowX and boundedLine, in float64, stored as float32.

/** "No site on this side" in integer gaps (distanceTransform.ts NONE). */
const NONE: i32 = 0x3fffffff

/**
 * x pass of one row of `nx` mask bytes at `mask`: squared distance to the nearest site in the
 * row (Infinity beyond `max`), written to block[(x·count + i)] (float32).
 */
function rowX(mask: usize, nx: i32, s2: f64, fg: bool, outside: bool, max: f64, gap: usize, block: usize, i: i32, count: i32): void {
  let last = outside ? -1 : -NONE
  for (let x = 0; x < nx; x++) {
    if ((load<u8>(mask + <usize>x) != 0) == fg) last = x
    store<i32>(gap + (<usize>x << 2), x - last)
  }
  let next = outside ? nx : NONE + nx
  for (let x = nx - 1; x >= 0; x--) {
    if ((load<u8>(mask + <usize>x) != 0) == fg) next = x
    const g = min(load<i32>(gap + (<usize>x << 2)), next - x)
    const d = <f64>g * <f64>g * s2
    store<f32>(block + (<usize>(x * count + i) << 2), g >= NONE || d > max ? Infinity : <f32>d)
  }
}

/** boundedLine: line[q] ← min over |q − p| ≤ reach of s²(q − p)² + f(p), Infinity above max. */
function boundedLine(line: usize, n: i32, s2: f64, outside: bool, max: f64, reach: i32, copy: usize, next: usize): void {
  let nf = n + reach + 1
  for (let q = n - 1; q >= 0; q--) {
    const f = load<f32>(line + (<usize>q << 2))
    store<f32>(copy + (<usize>q << 2), f)
    if (f != Infinity) nf = q
    store<i32>(next + (<usize>q << 2), nf)
  }
  let last = -reach - 1
  for (let q = 0; q < n; q++) {
    const f = <f64>load<f32>(copy + (<usize>q << 2))
    if (f == 0) {
      store<f32>(line + (<usize>q << 2), 0)
      last = q
      continue
    }
    let best = f
    if (f != Infinity) last = q
    if (q - last <= reach || load<i32>(next + (<usize>q << 2)) - q <= reach) {
      for (let d = 1; d <= reach; d++) {
        const dd = s2 * <f64>d * <f64>d
        if (dd >= best) break
        if (q >= d) {
          const t = dd + <f64>load<f32>(copy + (<usize>(q - d) << 2))
          if (t < best) best = t
        }
        if (q + d < n) {
          const t = dd + <f64>load<f32>(copy + (<usize>(q + d) << 2))
          if (t < best) best = t
        }
      }
    }
    if (outside) {
      const a = s2 * <f64>(q + 1) * <f64>(q + 1)
      const b = s2 * <f64>(n - q) * <f64>(n - q)
      if (a < best) best = a
      if (b < best) best = b
    }
    store<f32>(line + (<usize>q << 2), best > max ? Infinity : <f32>best)
  }
}

/**
 * x and y passes of one plane: `ny` rows of `nx` mask bytes at `mask` → float32 [y][x] at `plane`.
 * Scratch: gap (nx int32), block (nx·ny float32), copy (ny float32), next (ny int32).
 */
export function edtPlane(
  mask: usize, ny: i32, nx: i32, sx2: f64, sy2: f64, fg: i32, outside: i32, max: f64, reachY: i32,
  gap: usize, block: usize, copy: usize, next: usize, plane: usize,
): void {
  for (let y = 0; y < ny; y++) rowX(mask + <usize>(y * nx), nx, sx2, fg != 0, outside != 0, max, gap, block, y, ny)
  for (let x = 0; x < nx; x++) boundedLine(block + (<usize>(x * ny) << 2), ny, sy2, outside != 0, max, reachY, copy, next)
  for (let y = 0; y < ny; y++)
    for (let x = 0; x < nx; x++) store<f32>(plane + (<usize>(y * nx + x) << 2), load<f32>(block + (<usize>(x * ny + y) << 2)))
}

/**
 * z pass of one y: `rows` holds nz rows of nx float32 ([z][x]), filtered along z in place
 * through `block` ([x][z]). Scratch copy and next of nz.
 */
export function edtColumns(rows: usize, nz: i32, nx: i32, sz2: f64, outside: i32, max: f64, reachZ: i32, block: usize, copy: usize, next: usize): void {
  for (let z = 0; z < nz; z++)
    for (let x = 0; x < nx; x++) store<f32>(block + (<usize>(x * nz + z) << 2), load<f32>(rows + (<usize>(z * nx + x) << 2)))
  for (let x = 0; x < nx; x++) boundedLine(block + (<usize>(x * nz) << 2), nz, sz2, outside != 0, max, reachZ, copy, next)
  for (let z = 0; z < nz; z++)
    for (let x = 0; x < nx; x++) store<f32>(rows + (<usize>(z * nx + x) << 2), load<f32>(block + (<usize>(x * nz + z) << 2)))
}
