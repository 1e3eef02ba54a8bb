import { describe, expect, it } from 'vitest'
import { findAbdominalGas } from './abdominalGas'
import type { Shape3 } from './segmentLungs'

const SHAPE: Shape3 = [8, 8, 12]
const [Z, Y, X] = SHAPE
const at = (z: number, y: number, x: number): number => (z * Y + y) * X + x

/** Sets HU and mask on a box, bounds inclusive. */
function box(hu: Int16Array, mask: Uint8Array, z: [number, number], y: [number, number], x: [number, number], v: number, m = 1): void {
  for (let k = z[0]; k <= z[1]; k++)
    for (let j = y[0]; j <= y[1]; j++)
      for (let i = x[0]; i <= x[1]; i++) {
        hu[at(k, j, i)] = v
        mask[at(k, j, i)] = m
      }
}

/**
 * A lung base (z 4–7, −850 HU) over a gas body (z 0–2, −1000 HU) joined through one slice of
 * partial-volume voxels (z 3, −500 HU: air-like, in the mask), as a stomach bubble under a thin
 * diaphragm; beside them a gas column with no lung over it (the trachea's position: beside and
 * above the lungs, not under them).
 */
function scene(): { hu: Int16Array; mask: Uint8Array } {
  const hu = new Int16Array(Z * Y * X).fill(40)
  const mask = new Uint8Array(Z * Y * X)
  box(hu, mask, [4, 7], [1, 6], [1, 5], -850)
  box(hu, mask, [3, 3], [2, 5], [2, 4], -500)
  box(hu, mask, [0, 2], [2, 5], [2, 4], -1000)
  box(hu, mask, [0, 7], [3, 4], [8, 9], -1000)
  return { hu, mask }
}

describe('findAbdominalGas', () => {
  it('finds the gas under the lung base, not the gas column beside it, and leaves the mask alone', () => {
    const { hu, mask } = scene()
    const before = mask.slice()
    const work = new Uint8Array(mask.length).fill(7)
    const r = findAbdominalGas(hu, mask, SHAPE, [2, 1, 1], work, { minBodyMl: 0 })
    // The 3 × 4 × 3 gas block: the partial-volume slice above it belongs to the lung's body (its
    // median is not gas), the column has no lung over it.
    expect(r).toEqual({ voxels: 36, ml: 0.072, bodies: 1 })
    for (let z = 0; z < Z; z++)
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++) {
          const inGas = z <= 2 && y >= 2 && y <= 5 && x >= 2 && x <= 4
          expect(work[at(z, y, x)], `${z},${y},${x}`).toBe(inGas ? 1 : 0)
        }
    expect(mask).toEqual(before)
  })

  it("follows the bubble's top up into the lung base's section, and takes its one-pixel rim", () => {
    const hu = new Int16Array(Z * Y * X).fill(40)
    const mask = new Uint8Array(Z * Y * X)
    box(hu, mask, [3, 7], [1, 6], [1, 5], -850)
    box(hu, mask, [0, 2], [2, 5], [2, 4], -1000)
    // In slice 3 the top of the bubble lies inside the lung's section (touching it in-plane):
    // that section is lung by its median, so only the column rule finds the 2 × 2 cap.
    box(hu, mask, [3, 3], [3, 4], [2, 3], -1000)
    const work = new Uint8Array(mask.length)
    const r = findAbdominalGas(hu, mask, SHAPE, [1, 1, 1], work, { minBodyMl: 0 })
    // 36 in the body, the 4 cap voxels straight above it, and the 12 mask voxels around the cap
    // in its slice (its rim: y 2–5 × x 1–4 less the cap).
    expect(r.voxels).toBe(52)
    expect(work[at(3, 3, 2)]).toBe(1)
    expect(work[at(3, 2, 1)]).toBe(1)
    expect(work[at(3, 1, 1)]).toBe(0)
    expect(work[at(4, 3, 2)]).toBe(0) // lung above the cap stays
  })

  it('leaves a gas pocket walled off inside the lung: lung lies below it', () => {
    const { hu, mask } = scene()
    box(hu, mask, [0, 2], [2, 5], [2, 4], 40, 0) // no stomach
    box(hu, mask, [5, 5], [2, 4], [2, 4], 40, 0) // a wall …
    box(hu, mask, [5, 5], [3, 3], [3, 3], -1000) // … around a pocket of pure gas
    const r = findAbdominalGas(hu, mask, SHAPE, [1, 1, 1], new Uint8Array(mask.length), { minBodyMl: 0 })
    expect(r.voxels).toBe(0)
  })

  it('calls a section gas by its median: lung with some voxels at −1000 is still lung', () => {
    const { hu, mask } = scene()
    // Just under half of every lung section at −1000 HU (emphysema-like), as if the lung were
    // mostly gas: the lung's sections stay lung, so the body under them is still found.
    for (let z = 4; z <= 7; z++)
      for (let y = 1; y <= 6; y++) for (let x = 1; x <= 5; x++) if ((x + y) % 2 === 0 && !(x === 5 && y === 6)) hu[at(z, y, x)] = -1000
    const r = findAbdominalGas(hu, mask, SHAPE, [1, 1, 1], new Uint8Array(mask.length), { minBodyMl: 0 })
    expect(r.voxels).toBe(36)
  })

  it('leaves bodies under 1 mL by default (a small bronchus cut across at the lung base)', () => {
    const { hu, mask } = scene()
    // The 36-voxel body is 0.036 mL at 1 mm, 36 mL at 10 mm.
    expect(findAbdominalGas(hu, mask, SHAPE, [1, 1, 1], new Uint8Array(mask.length)).voxels).toBe(0)
    expect(findAbdominalGas(hu, mask, SHAPE, [10, 10, 10], new Uint8Array(mask.length)).voxels).toBe(36)
  })

  it('finds nothing in an empty mask or a mask without gas', () => {
    const hu = new Int16Array(Z * Y * X).fill(-850)
    expect(findAbdominalGas(hu, new Uint8Array(hu.length), SHAPE, [1, 1, 1], new Uint8Array(hu.length)).voxels).toBe(0)
    expect(findAbdominalGas(hu, new Uint8Array(hu.length).fill(1), SHAPE, [1, 1, 1], new Uint8Array(hu.length)).voxels).toBe(0)
  })
})
