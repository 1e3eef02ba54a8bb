import { describe, expect, it } from 'vitest'
import { paintCapsule, paintEllipsoid } from './capsule'
import type { Grid, VolumeBuffers } from './types'

/** 11³ voxels of 1 mm with the centre voxel at the origin. */
function cube(): VolumeBuffers {
  const grid: Grid = { rows: 11, cols: 11, slices: 11, dx: 1, dy: 1, dz: 1, x0: -5, y0: -5, z0: -5 }
  return { hu: new Int16Array(11 ** 3), mask: new Uint8Array(11 ** 3), grid }
}

function count(vol: VolumeBuffers, value: number): number {
  return vol.hu.reduce((n, v) => n + (v === value ? 1 : 0), 0)
}

describe('paintCapsule', () => {
  it('paints voxels within r of the segment', () => {
    const vol = cube()
    paintCapsule(vol, [-3, 0, 0], [3, 0, 0], 1.5, 7, 'keep')
    // Along x = −3..3 each cross-section holds the 9 (y, z) with y² + z² < 2.25; each end cap
    // at x = ±4 holds the 5 with 1 + y² + z² < 2.25. 7·9 + 2·5 = 73.
    expect(count(vol, 7)).toBe(73)
  })

  it("'inside' paints only where the mask is set, 'clear' clears it", () => {
    const vol = cube()
    // Mask the half-space x ≥ 0 (columns 5..10).
    for (let p = 0; p < vol.mask.length; p++) vol.mask[p] = p % 11 >= 5 ? 1 : 0
    paintCapsule(vol, [-3, 0, 0], [3, 0, 0], 1.5, 7, 'inside')
    // x = 0..3 (4 × 9) plus the cap at x = 4 (5).
    expect(count(vol, 7)).toBe(41)
    paintCapsule(vol, [0, 0, 0], [0, 0, 0], 0.5, 9, 'clear')
    expect(vol.mask[5 * 121 + 5 * 11 + 5]).toBe(0)
  })
})

describe('paintEllipsoid', () => {
  it('paints the integer points of a ball', () => {
    const vol = cube()
    paintEllipsoid(vol, { cx: 0, cy: 0, cz: 0, ax: 2.5, ay: 2.5, az: 2.5 }, 3, 'keep')
    // Integer points with x² + y² + z² ≤ 6: 1 + 6 + 12 + 8 + 6 + 24 + 24 (norms 0..6) = 81.
    expect(count(vol, 3)).toBe(81)
  })
})
