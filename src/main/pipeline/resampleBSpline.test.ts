import { describe, expect, it } from 'vitest'
import { uniform as random } from '../phantom/prng'
import { bsplinePrefilter, cubicAxisPlan, zoomCubic, zoomScratchLength } from './resampleBSpline'
import { zoomLinear } from './resampleLinear'

const Z = Math.sqrt(3) - 2


function volume(shape: number[], f: (z: number, y: number, x: number) => number): Int16Array {
  const [nz, ny, nx] = shape as [number, number, number]
  const v = new Int16Array(nz * ny * nx)
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) v[(z * ny + y) * nx + x] = f(z, y, x)
  return v
}

/**
 * scipy 1.10's zoom(order=3, mode='nearest') written out the slow way, straight from its C:
 * pad 12 by edge value, filter every axis of the whole padded float64 array (gain, full
 * reflect-boundary initial sum), then the 64-tap sum per output voxel.
 */
function naiveScipyZoom(src: Int16Array, shape: number[], out: number[]): Int16Array {
  const P = 12
  const ps = shape.map((n) => n + 2 * P) as [number, number, number]
  const clamp = (i: number, n: number) => Math.min(n - 1, Math.max(0, i - P))
  const c = new Float64Array(ps[0] * ps[1] * ps[2])
  for (let z = 0; z < ps[0]; z++)
    for (let y = 0; y < ps[1]; y++)
      for (let x = 0; x < ps[2]; x++)
        c[(z * ps[1] + y) * ps[2] + x] =
          src[(clamp(z, shape[0]!) * shape[1]! + clamp(y, shape[1]!)) * shape[2]! + clamp(x, shape[2]!)]!
  const strides = [ps[1] * ps[2], ps[2], 1]
  for (let a = 0; a < 3; a++) {
    const n = ps[a]!
    const line = new Float64Array(n)
    const others = [0, 1, 2].filter((b) => b !== a) as [number, number]
    for (let i = 0; i < ps[others[0]]!; i++)
      for (let j = 0; j < ps[others[1]]!; j++) {
        const base = i * strides[others[0]]! + j * strides[others[1]]!
        for (let k = 0; k < n; k++) line[k] = 6 * c[base + k * strides[a]!]!
        const zn = Z ** n
        let s = line[0]! + zn * line[n - 1]!
        for (let k = 1; k < n; k++) s += Z ** k * (line[k]! + zn * line[n - 1 - k]!)
        line[0] = (s * Z) / (1 - zn * zn) + line[0]!
        for (let k = 1; k < n; k++) line[k] = line[k]! + Z * line[k - 1]!
        line[n - 1] = (line[n - 1]! * Z) / (Z - 1)
        for (let k = n - 2; k >= 0; k--) line[k] = Z * (line[k + 1]! - line[k]!)
        for (let k = 0; k < n; k++) c[base + k * strides[a]!] = line[k]!
      }
  }
  const taps = (nIn: number, nOut: number, o: number) => {
    const cc = o * (nOut > 1 ? (nIn - 1) / (nOut - 1) : 1) + P
    const x = cc - Math.floor(cc)
    const w = [(1 - x) ** 3 / 6, (3 * x ** 3 - 6 * x ** 2 + 4) / 6, (3 * (1 - x) ** 3 - 6 * (1 - x) ** 2 + 4) / 6]
    return { s: Math.floor(cc) - 1, w: [...w, 1 - w[0]! - w[1]! - w[2]!] }
  }
  const res = new Int16Array(out[0]! * out[1]! * out[2]!)
  let q = 0
  for (let z = 0; z < out[0]!; z++) {
    const tz = taps(shape[0]!, out[0]!, z)
    for (let y = 0; y < out[1]!; y++) {
      const ty = taps(shape[1]!, out[1]!, y)
      for (let x = 0; x < out[2]!; x++) {
        const tx = taps(shape[2]!, out[2]!, x)
        let t = 0
        for (let i = 0; i < 4; i++)
          for (let j = 0; j < 4; j++)
            for (let k = 0; k < 4; k++)
              t += c[((tz.s + i) * ps[1] + ty.s + j) * ps[2] + tx.s + k]! * tz.w[i]! * ty.w[j]! * tx.w[k]!
        const v = t > 0 ? t + 0.5 : t - 0.5
        res[q++] = Math.max(-32768, Math.min(32767, v))
      }
    }
  }
  return res
}

describe('bsplinePrefilter', () => {
  it('yields coefficients whose [1 4 1]/6 smoothing gives the samples back (the interpolation condition)', () => {
    // Without the gain of 6 the condition reads c[i−1] + 4c[i] + c[i+1] = x[i].
    const rnd = random(3)
    const x = Float64Array.from({ length: 40 }, () => Math.round(rnd() * 2000 - 1000))
    const c = Float64Array.from(x)
    bsplinePrefilter(c, c.length, 1, 0)
    for (let i = 1; i < 39; i++) expect(c[i - 1]! + 4 * c[i]! + c[i + 1]!).toBeCloseTo(x[i]!, 9)
    // Reflect boundary: the sample before 0 is sample 0 itself.
    expect(c[0]! + 4 * c[0]! + c[1]!).toBeCloseTo(x[0]!, 9)
  })

  it('filters interleaved lines exactly as it filters each line alone', () => {
    const rnd = random(4)
    const inner = 5
    const len = 30
    const rows = Float64Array.from({ length: len * inner }, () => rnd() * 100)
    const lines = Array.from({ length: inner }, (_, c) =>
      Float64Array.from({ length: len }, (_, i) => rows[i * inner + c]!),
    )
    bsplinePrefilter(rows, len, inner, 0)
    for (const [c, line] of lines.entries()) {
      bsplinePrefilter(line, len, 1, 0)
      for (let i = 0; i < len; i++) expect(rows[i * inner + c]).toBe(line[i])
    }
  })
})

describe('cubicAxisPlan', () => {
  it('aligns corners: output 0 reads padded sample 12 and the last output the last input sample', () => {
    const p = cubicAxisPlan(30, 240)
    // cc = 12 → taps 11..14 with weights 1/6, 4/6, 1/6, 0 (times the gain 6).
    expect(p.start[0]).toBe(11)
    expect([...p.weights.subarray(0, 4)].map((w) => +w.toFixed(12))).toEqual([1, 4, 1, 0])
    expect(p.start[239]).toBe(12 + 29 - 1)
  })
})

describe('zoomCubic', () => {
  it('keeps a constant volume constant (the spline of a constant is that constant)', () => {
    const out = zoomCubic(new Int16Array(4 * 5 * 6).fill(-731), [4, 5, 6], [7, 3, 11])
    expect(new Set(out)).toEqual(new Set([-731]))
  })

  it('is the identity when the shape does not change (the spline interpolates its samples)', () => {
    const rnd = random(5)
    const src = volume([5, 6, 7], () => Math.round(rnd() * 4000 - 2000))
    expect(zoomCubic(src, [5, 6, 7], [5, 6, 7])).toEqual(src)
  })

  it('keeps a ramp exact away from the ends; near them the flat edge padding bends it', () => {
    // 41 → 81 along x: even outputs sit on samples, odd ones halfway, where the ramp 10·x is
    // an integer ending in 5. The flat padding (scipy's mode 'nearest') is a kink in the ramp;
    // its influence decays by |z| = 0.27 per sample.
    const src = volume([1, 1, 41], (_z, _y, x) => 10 * x)
    const out = zoomCubic(src, [1, 1, 41], [1, 1, 81])
    for (let o = 4; o <= 76; o++) expect(out[o]).toBe(5 * o)
    expect(out[0]).toBe(0)
    expect(out[80]).toBe(400)
    // scipy gives 4.2075 and 15.2123 there (and 395.79 at the other end): the flat padding
    // pulls the first interval down and pushes the second up.
    expect([...out.subarray(0, 4)]).toEqual([0, 4, 10, 15])
    expect(out[79]).toBe(396)
  })

  it('clips overshoot to the int16 range instead of wrapping, as scipy 1.10 does', () => {
    const src = volume([1, 1, 8], (_z, _y, x) => (x % 4 < 2 ? -32768 : 32767))
    const out = zoomCubic(src, [1, 1, 8], [1, 1, 29])
    expect(Math.max(...out)).toBe(32767)
    expect(Math.min(...out)).toBe(-32768)
    // Inside a high plateau the spline overshoots above 32767: clipped, so still high.
    expect(out[8]).toBe(32767)
  })

  it('matches scipy’s algorithm written out naively, whichever axis order the engine picks', () => {
    const rnd = random(6)
    const shape = [6, 9, 8]
    const src = volume(shape, (z, y, x) => Math.round(800 * Math.sin(0.7 * z + 0.4 * y - 0.5 * x) + 300 * rnd()))
    // z grows (in-plane passes first) and z shrinks most (z pass first).
    for (const out of [
      [11, 5, 13],
      [2, 9, 12],
      [1, 1, 3],
    ]) {
      const got = zoomCubic(src, shape, out)
      const want = naiveScipyZoom(src, shape, out)
      let off = 0
      for (let i = 0; i < want.length; i++) off += Math.abs(got[i]! - want[i]!)
      expect(off).toBe(0)
    }
  })

  it('reuses a scratch buffer and refuses one that is too small', () => {
    const src = volume([4, 4, 4], (z, y, x) => z * 100 + y * 10 + x)
    const scratch = new Float32Array(zoomScratchLength([4, 4, 4], [6, 6, 6]))
    expect(zoomCubic(src, [4, 4, 4], [6, 6, 6], { scratch })).toEqual(zoomCubic(src, [4, 4, 4], [6, 6, 6]))
    expect(() => zoomCubic(src, [4, 4, 4], [6, 6, 6], { scratch: new Float32Array(3) })).toThrow(/scratch/)
  })

  it('writes its result into the source volume\'s own memory when asked (both pass orders)', () => {
    // [6,9,9]→[8,5,5]: the plane shrinks most (in-plane passes first); [6,9,9]→[3,12,12]: z first.
    const cases: Array<[[number, number, number], [number, number, number]]> = [
      [[6, 9, 9], [8, 5, 5]],
      [[6, 9, 9], [3, 8, 8]],
    ]
    for (const [shape, out] of cases) {
      const src = volume(shape, (z, y, x) => ((z * 37 + y * 11 + x * 5) % 23) * 40 - 500)
      const want = zoomCubic(src, shape, out)
      const n = out[0] * out[1] * out[2]
      expect(n).toBeLessThanOrEqual(src.length)
      const shared = src.slice()
      const dst = new Int16Array(shared.buffer, 0, n)
      expect(zoomCubic(shared, shape, out, { dst })).toBe(dst)
      expect(dst).toEqual(want)
      const sharedLinear = src.slice()
      const dstLinear = new Int16Array(sharedLinear.buffer, 0, n)
      const wantLinear = zoomLinear(src, shape, out)
      zoomLinear(sharedLinear, shape, out, { dst: dstLinear })
      expect(dstLinear).toEqual(wantLinear)
    }
    expect(() => zoomCubic(new Int16Array(8), [2, 2, 2], [3, 3, 3], { dst: new Int16Array(26) })).toThrow(/dst/)
  })

  it('rejects shapes that do not fit the data with BAD_ARGUMENT', () => {
    const bad = expect.objectContaining({ code: 'BAD_ARGUMENT' })
    expect(() => zoomCubic(new Int16Array(8), [2, 2, 3], [4, 4, 4])).toThrow(bad)
    expect(() => zoomCubic(new Int16Array(8), [2, 2, 2], [0, 4, 4])).toThrow(bad)
  })
})
