import { describe, expect, it } from 'vitest'
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
})
