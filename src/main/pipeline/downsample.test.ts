import { describe, expect, it } from 'vitest'
import type { Vec3 } from '../../shared/api'
import { uniform } from '../phantom/prng'
import { downsampleHu, downsampleMask, halfShape } from './downsample'

describe('downsample', () => {
  it('averages 2×2×2 blocks and keeps partial blocks at odd edges', () => {
    // 3 × 2 × 3: the last slice and the last column form partial blocks.
    const src = new Int16Array([
      0, 8, 100, 16, 24, 200, // slice 0
      32, 40, 300, 48, 56, 400, // slice 1
      -1000, -1000, 7, -1000, -1000, 9, // slice 2
    ])
    expect(halfShape([3, 2, 3])).toEqual([2, 1, 2])
    // Block (0,0,0) = mean of 0,8,16,24,32,40,48,56 = 28; block (0,0,1) = mean of 100,200,300,400.
    // Slice 2 alone: mean(-1000 ×4) and mean(7, 9).
    expect([...downsampleHu(src, [3, 2, 3])]).toEqual([28, 250, -1000, 8])
  })

  it('takes the majority of a mask block, half counting as inside', () => {
    const m = new Uint8Array(8)
    m[0] = m[3] = m[5] = 1
    expect([...downsampleMask(m, [2, 2, 2])]).toEqual([0])
    m[6] = 1
    expect([...downsampleMask(m, [2, 2, 2])]).toEqual([1])
  })

  it('gives what a plain block loop gives, on odd and even shapes and unaligned masks', () => {
    // The reference is the straightforward loop: every block summed voxel by voxel.
    const reference = (src: ArrayLike<number>, [Z, Y, X]: Vec3, f: (sum: number, n: number) => number): number[] => {
      const out: number[] = []
      for (let k = 0; k < Z; k += 2)
        for (let j = 0; j < Y; j += 2)
          for (let i = 0; i < X; i += 2) {
            let sum = 0
            let n = 0
            for (let a = k; a < Math.min(k + 2, Z); a++)
              for (let b = j; b < Math.min(j + 2, Y); b++)
                for (let c = i; c < Math.min(i + 2, X); c++) {
                  sum += src[(a * Y + b) * X + c]!
                  n++
                }
            out.push(f(sum, n))
          }
      return out
    }
    const rand = uniform(7)
    const shapes: Vec3[] = [[4, 6, 8], [5, 7, 9], [3, 4, 10], [6, 5, 6], [1, 1, 1], [2, 3, 2], [7, 8, 3]]
    for (const shape of shapes) {
      const n = shape[0] * shape[1] * shape[2]
      // Sums that land on halves (.5 after dividing) in both signs, and the int16 extremes.
      const hu = Int16Array.from({ length: n }, () => (rand() < 0.1 ? (rand() < 0.5 ? -32768 : 32767) : Math.round(rand() * 40) - 20))
      expect([...downsampleHu(hu, shape)]).toEqual(reference(hu, shape, (s, k) => Math.round(s / k) || 0))
      for (const offset of [0, 1, 2, 3]) {
        const buf = new Uint8Array(n + offset)
        const mask = buf.subarray(offset)
        for (let i = 0; i < n; i++) mask[i] = rand() < 0.5 ? 1 : 0
        expect([...downsampleMask(mask, shape)]).toEqual(reference(mask, shape, (s, k) => (2 * s >= k ? 1 : 0)))
      }
    }
  })
})
