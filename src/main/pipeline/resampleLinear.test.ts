import { describe, expect, it } from 'vitest'
import { linearAxisPlan, zoomLinear } from './resampleLinear'

const line = (values: number[]) => Int16Array.from(values)

/** scipy's order-1 zoom written out: 8 taps per voxel, float64, edge taps clamped. */
function naiveTrilinear(src: Int16Array, shape: number[], out: number[]): Int16Array {
  const taps = (n: number, m: number, o: number) => {
    const cc = o * (m > 1 ? (n - 1) / (m - 1) : 1)
    const s = Math.floor(cc)
    return { i: [s, Math.min(s + 1, n - 1)], w: [1 - (cc - s), cc - s] }
  }
  const res = new Int16Array(out[0]! * out[1]! * out[2]!)
  let q = 0
  for (let z = 0; z < out[0]!; z++)
    for (let y = 0; y < out[1]!; y++)
      for (let x = 0; x < out[2]!; x++) {
        const [tz, ty, tx] = [taps(shape[0]!, out[0]!, z), taps(shape[1]!, out[1]!, y), taps(shape[2]!, out[2]!, x)]
        let t = 0
        for (let a = 0; a < 2; a++)
          for (let b = 0; b < 2; b++)
            for (let c = 0; c < 2; c++)
              t += src[(tz.i[a]! * shape[1]! + ty.i[b]!) * shape[2]! + tx.i[c]!]! * tz.w[a]! * ty.w[b]! * tx.w[c]!
        res[q++] = t > 0 ? t + 0.5 : t - 0.5
      }
  return res
}

describe('linearAxisPlan', () => {
  it('never reads past the last sample: the last output takes all its weight from it', () => {
    const p = linearAxisPlan(4, 7)
    expect(p.start[6]).toBe(2)
    expect([...p.weights.subarray(12, 14)]).toEqual([0, 1])
  })
})

describe('zoomLinear', () => {
  it('aligns corners: [0, 100] → 5 samples is 0, 25, 50, 75, 100', () => {
    expect([...zoomLinear(line([0, 100]), [1, 1, 2], [1, 1, 5])]).toEqual([0, 25, 50, 75, 100])
  })

  it('keeps a ramp exact at every factor (linear interpolation of a line is the line)', () => {
    // 5 → 9 samples: the grid step halves, 0, 40, …, 160 becomes 0, 20, …, 160.
    const src = line([0, 40, 80, 120, 160])
    expect([...zoomLinear(src, [5, 1, 1], [9, 1, 1])]).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160])
    expect([...zoomLinear(src, [1, 5, 1], [1, 3, 1])]).toEqual([0, 80, 160])
  })

  it('rounds halves away from zero, as scipy writes floats into int16', () => {
    // The middle output sits halfway: 0.5 → 1 and −0.5 → −1 (numpy would round both to 0).
    expect([...zoomLinear(line([0, 1]), [1, 1, 2], [1, 1, 3])]).toEqual([0, 1, 1])
    expect([...zoomLinear(line([-1, 0]), [1, 1, 2], [1, 1, 3])]).toEqual([-1, -1, 0])
  })

  it('copies a single-voxel axis, and samples only the first voxel when an axis shrinks to one', () => {
    expect([...zoomLinear(line([-7]), [1, 1, 1], [3, 1, 1])]).toEqual([-7, -7, -7])
    // scipy's zoom is 1 when n_out = 1 (it divides by n_out − 1 only where that is not 0).
    expect([...zoomLinear(line([5, 9, 11]), [1, 1, 3], [1, 1, 1])]).toEqual([5])
  })

  it('matches the 8-tap sum written out, whichever axis order the engine picks', () => {
    // Grid steps with odd denominators (5/13, 8/5, 7/9, 7/11, 7/3) make exact .5 ties, where
    // float noise decides, impossible: the exact value is an integer over an odd number.
    let seed = 9
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32
    const shape = [6, 9, 8]
    const src = Int16Array.from({ length: 6 * 9 * 8 }, () => Math.round(rnd() * 3000 - 1500))
    for (const out of [
      [14, 6, 10],
      [2, 9, 12],
      [1, 1, 4],
    ])
      expect(zoomLinear(src, shape, out)).toEqual(naiveTrilinear(src, shape, out))
  })

  it('is separable: a product of ramps stays the product', () => {
    // f = (z + 1)(y + 1)(x + 1)·4 on 2×2×2 → 3×3×3: trilinear interpolation of a trilinear
    // function is exact; at the centre (1.5)³·4 = 13.5 → 14.
    const src = Int16Array.from({ length: 8 }, (_, i) => ((i >> 2) + 1) * (((i >> 1) & 1) + 1) * ((i & 1) + 1) * 4)
    const out = zoomLinear(src, [2, 2, 2], [3, 3, 3])
    expect(out[13]).toBe(14)
    expect(out[0]).toBe(4)
    expect(out[26]).toBe(32)
  })
})
