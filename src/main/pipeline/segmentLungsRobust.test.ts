import { describe, expect, it } from 'vitest'
import { generatePhantom } from '../phantom'
import { segmentLungsSeed } from './segmentLungs'
import { type RobustOptions, fillHoles2d, segmentLungsRobust } from './segmentLungsRobust'

/**
 * A toy chest at 1 mm, [z 16, y 40, x 40]: a box body, two box lungs (11 × 14 × 12 voxels), a
 * trachea from the top slice down to a carina at z 10 and two bronchi at z 9 that open into the
 * lungs, a vessel island in the right lung. Options: a table row across the image with air under
 * it, and a one-voxel channel from the outside air through the body wall into the right lung
 * (what a dark metal streak or a tube does).
 */
function toyChest(extra: { tray?: boolean; channel?: boolean } = {}) {
  const [Z, Y, X] = [16, 40, 40]
  const hu = new Int16Array(Z * Y * X).fill(-1000)
  const lungs = new Uint8Array(hu.length)
  const box = (z0: number, z1: number, y0: number, y1: number, x0: number, x1: number, v: number, lung = false) => {
    for (let z = z0; z <= z1; z++)
      for (let y = y0; y <= y1; y++)
        for (let x = x0; x <= x1; x++) {
          hu[(z * Y + y) * X + x] = v
          if (lung) lungs[(z * Y + y) * X + x] = 1
        }
  }
  box(0, 15, 3, 24, 3, 36, 40) // body
  box(2, 13, 7, 20, 6, 16, -800, true) // right lung (low x)
  box(2, 13, 7, 20, 23, 33, -800, true) // left lung
  box(6, 6, 13, 13, 11, 11, 40, true) // a vessel: in the truth, not in the air-only mask
  box(11, 15, 10, 11, 19, 20, -1000) // trachea, to the top slice
  box(10, 10, 10, 11, 18, 21, -1000) // carina
  box(9, 9, 10, 11, 17, 18, -1000) // right main bronchus, opening into the lung at x 16
  box(9, 9, 10, 11, 21, 22, -1000) // left main bronchus
  if (extra.tray) box(0, 15, 27, 27, 0, 39, 400)
  if (extra.channel) box(8, 8, 14, 14, 0, 6, -1000)
  return { hu, lungs, shape: [Z, Y, X] as [number, number, number] }
}

// The toy is small, so the radii shrink with it: lungs are 11 voxels across, the trachea 2.
const TOY: RobustOptions = { airwayRadiusMm: 4, leakCutRadiusMm: 2, leakTriggerMl: 0.01 }
const SPACING: [number, number, number] = [1, 1, 1]
const count = (m: Uint8Array): number => m.reduce((a, b) => a + b, 0)

describe('segmentLungsRobust on a toy chest', () => {
  const clean = toyChest()
  const base = segmentLungsRobust(clean.hu, clean.shape, SPACING, TOY)

  it('keeps both lungs, fills the vessel, and takes out the trachea and carina', () => {
    // The bronchi at z 9 join their lung within the slice (a cross-section too thick to be an
    // airway), so tracking stops there: those 2 × 2 × 2 voxels stay. Everything above goes.
    const expected = clean.lungs.slice()
    const [, Y, X] = clean.shape
    for (const x of [17, 18, 21, 22]) for (const y of [10, 11]) expected[(9 * Y + y) * X + x] = 1
    expect(base.lungComponents).toBe(2)
    expect(base.airways).toEqual({ removedVoxels: 2 * 2 * 5 + 2 * 4, topSlice: 15, bottomSlice: 10 })
    expect(count(base.fill)).toBe(count(expected))
    expect([...base.fill]).toEqual([...expected])
    expect(count(base.noFill)).toBe(count(expected) - 1) // the vessel is not air
    expect(base.outside).toEqual({ components: 1, enclosedMl: 0, cut: false })
  })

  it('ignores a table: air touching any side is outside (the tutorial keeps the air under it)', () => {
    const tray = toyChest({ tray: true })
    const r = segmentLungsRobust(tray.hu, tray.shape, SPACING, TOY)
    expect([...r.fill]).toEqual([...base.fill])
    expect(r.outside.components).toBe(2) // above and below the table
    // The tutorial: the corner reaches only the air above; under the table (12 rows) is larger
    // than the lungs, and wins.
    const seed = segmentLungsSeed(tray.hu, tray.shape, true)
    expect(count(seed)).toBe(16 * 12 * 40)
  })

  it('cuts a lung free of outside air joined to it through a thin channel', () => {
    const leak = toyChest({ channel: true })
    // The tutorial: the corner's air runs into the lungs and airways; nothing is left.
    expect(count(segmentLungsSeed(leak.hu, leak.shape, true))).toBe(0)
    const r = segmentLungsRobust(leak.hu, leak.shape, SPACING, TOY)
    expect(r.outside.cut).toBe(true)
    expect(r.lungComponents).toBe(2)
    // Same as without the channel, but for the part of the channel beyond the ball's reach of
    // the open outside air: the open core reaches x = 1 on the channel's row (its mouth widens
    // the air there), a 2 mm ball from there covers up to x = 3, so x 4–5 (in the body wall)
    // stay attached to the lung.
    const [, Y, X] = leak.shape
    const differ: number[] = []
    for (let i = 0; i < r.fill.length; i++) if (r.fill[i] !== base.fill[i]) differ.push(i)
    expect(differ).toEqual([4, 5].map((x) => (8 * Y + 14) * X + x))
    expect(r.leakLungVoxels).toBeGreaterThan(count(clean.lungs) / 2) // the whole airway tree leaked
  })

  it('keeps a lone lung when the other is gone, and not a small air pocket beside it', () => {
    const one = toyChest()
    const [, Y, X] = one.shape
    // Collapse the left lung (and its bronchus) into soft tissue; add a 2 × 2 × 2 gas pocket.
    for (let i = 0; i < one.hu.length; i++) if (i % X >= 21 && one.hu[i]! < 0 && i % (Y * X) >= 3 * X) one.hu[i] = 40
    for (const z of [4, 5]) for (const y of [22, 23]) for (const x of [25, 26]) one.hu[(z * Y + y) * X + x] = -1000
    const r = segmentLungsRobust(one.hu, one.shape, SPACING, TOY)
    expect(r.lungComponents).toBe(1)
    for (let i = 0; i < r.fill.length; i++) if (r.fill[i]) expect(i % X).toBeLessThan(21)
  })
})

describe('fillHoles2d', () => {
  it('gives the same masks in reused buffers whatever they held', () => {
    for (const extra of [{}, { tray: true, channel: true }]) {
      const c = toyChest(extra)
      const want = segmentLungsRobust(c.hu, c.shape, SPACING, TOY)
      expect(count(want.fill)).toBeGreaterThan(0)
      const junk = () => Uint8Array.from({ length: c.hu.length }, (_, i) => (i * 7) % 5)
      const buffers = { fill: junk(), noFill: junk(), cls: junk() }
      const got = segmentLungsRobust(c.hu, c.shape, SPACING, TOY, buffers)
      expect(got.fill).toBe(buffers.fill)
      expect(got.noFill).toBe(buffers.noFill)
      expect(got.fill).toEqual(want.fill)
      expect(got.noFill).toEqual(want.noFill)
    }
  })

  it("is what the segmentation's fill adds to its air-only mask (the run-table fill agrees with it)", () => {
    // Without the airway and gas steps, fill is noFill with its holes closed. The segmentation
    // closes them from its run table; this function from the mask.
    const v = generatePhantom({ case: 'nodules', seed: 3, rows: 96, cols: 96, pixelSpacing: 2.5, slices: 48, sliceSpacing: 5 })
    for (const maxHoleMm2 of [750, 60, Infinity]) {
      const r = segmentLungsRobust(v.hu, v.shape, v.spacing, { removeAirways: false, removeAbdominalGas: false, maxHoleMm2 })
      const want = fillHoles2d(r.noFill.slice(), v.shape, maxHoleMm2 / (v.spacing[1] * v.spacing[2]))
      // Holes there are: vessels and nodules.
      expect(count(r.fill)).toBeGreaterThan(count(r.noFill))
      expect(r.fill).toEqual(want)
    }
  })

  it('fills enclosed background up to a size, never what reaches the slice border', () => {
    // A ring around one hole pixel and a 2 × 2 hole; a notch at the right opens nothing.
    const m = Uint8Array.from(['111111', '101001', '111001', '111111', '000000'].join('').split(''), Number)
    const shape: [number, number, number] = [1, 5, 6]
    expect([...fillHoles2d(m.slice(), shape, 1)].join('')).toBe(
      ['111111', '111001', '111001', '111111', '000000'].join(''),
    )
    expect([...fillHoles2d(m.slice(), shape)].join('')).toBe(
      ['111111', '111111', '111111', '111111', '000000'].join(''),
    )
  })
})
