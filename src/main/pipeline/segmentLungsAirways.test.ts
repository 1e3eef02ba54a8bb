import { describe, expect, it } from 'vitest'
import { removeAirways } from './segmentLungsAirways'

/**
 * A mask [z 10, y 20, x 20] at 1 mm: a "lung" block 16 × 16 voxels across (z 0–5), a 2 × 2
 * "trachea" from the top slice down into it (x, y 9–10, z 5–9), and a 2 × 2 "apex" off to the
 * side (x 2–3, y 2–3, z 6–9) standing on the block.
 */
function mask(): { m: Uint8Array; shape: [number, number, number] } {
  const [Z, Y, X] = [10, 20, 20]
  const m = new Uint8Array(Z * Y * X)
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const block = z <= 5 && y >= 2 && y <= 17 && x >= 2 && x <= 17
        const tube = z >= 5 && (y === 9 || y === 10) && (x === 9 || x === 10)
        const apex = z >= 6 && (y === 2 || y === 3) && (x === 2 || x === 3)
        m[(z * Y + y) * X + x] = block || tube || apex ? 1 : 0
      }
  return { m, shape: [Z, Y, X] }
}
const options = { radiusMm: 4, maxOffsetMm: 3, toleranceMm: 1 }

describe('removeAirways', () => {
  it('takes the thin tube at the midline down to where its slice is thick lung', () => {
    const { m, shape } = mask()
    const noFill = m.slice()
    // Slice 5's cross-section is the block (8 mm inscribed radius > 4): lung, so tracking stops
    // there and removes the tube's four slices above it, 4 voxels each. The apex is thin too,
    // but 7.5 mm from the midline (x 9.5) where the limit is 3: it stays.
    const r = removeAirways(m, noFill, shape, [1, 1, 1], 9.5, options)
    expect(r).toEqual({ removedVoxels: 16, topSlice: 9, bottomSlice: 6 })
    expect(noFill).toEqual(m)
    expect(m[(9 * 20 + 2) * 20 + 2]).toBe(1)
    expect(m[(9 * 20 + 9) * 20 + 9]).toBe(0)
  })

  it('measureOnly counts the same airway and leaves both masks as they were', () => {
    const { m, shape } = mask()
    const before = m.slice()
    const noFill = m.slice()
    // What the flag airways_in_mask reports on any mask, the tutorial's included.
    const r = removeAirways(m, noFill, shape, [1, 1, 1], 9.5, { ...options, measureOnly: true })
    expect(r).toEqual({ removedVoxels: 16, topSlice: 9, bottomSlice: 6 })
    expect(m).toEqual(before)
    expect(noFill).toEqual(before)
  })

  it('removes nothing when no thin component sits at the midline of the top slice', () => {
    const { m, shape } = mask()
    const before = m.slice()
    expect(removeAirways(m, m.slice(), shape, [1, 1, 1], 16, options).removedVoxels).toBe(0)
    expect(m).toEqual(before)
  })
})
