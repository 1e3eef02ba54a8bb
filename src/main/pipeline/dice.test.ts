import { describe, expect, it } from 'vitest'
import { dice } from './dice'

describe('dice', () => {
  it('is 2|A∩B| / (|A|+|B|), 1 for two empty masks, and refuses masks of different grids', () => {
    // A has 3 voxels, B has 2, they share 1: 2·1 / (3 + 2) = 0.4.
    expect(dice(new Uint8Array([1, 1, 1, 0]), new Uint8Array([0, 0, 1, 1]))).toBeCloseTo(0.4, 12)
    expect(dice(new Uint8Array(4), new Uint8Array(4))).toBe(1)
    expect(dice(new Uint8Array([1, 0]), new Uint8Array([1, 0]))).toBe(1)
    expect(() => dice(new Uint8Array(2), new Uint8Array(3))).toThrow(/different sizes/)
  })
})
