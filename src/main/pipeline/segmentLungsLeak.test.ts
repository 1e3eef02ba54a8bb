import { describe, expect, it } from 'vitest'
import { DEEP, DENSE, EDGE, INNER, OUTSIDE, classifyOutsideAir } from './segmentLungsLeak'

/**
 * [z 3, y 12, x 12] at 1 mm: a body (y, x 2–9) holding a 4 × 4 lung (y, x 4–7) in all three
 * slices; in slice 1 a one-voxel channel runs from the image's left edge to the lung (x 0–4, y 5).
 */
function leakyBox(): { cls: Uint8Array; shape: [number, number, number] } {
  const [Z, Y, X] = [3, 12, 12]
  const cls = new Uint8Array(Z * Y * X)
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const body = y >= 2 && y <= 9 && x >= 2 && x <= 9
        const lung = y >= 4 && y <= 7 && x >= 4 && x <= 7
        const channel = z === 1 && y === 5 && x <= 4
        cls[(z * Y + y) * X + x] = !body || lung || channel ? INNER : DENSE
      }
  return { cls, shape: [Z, Y, X] }
}
const at = (shape: number[], z: number, y: number, x: number): number => (z * shape[1]! + y) * shape[2]! + x

describe('classifyOutsideAir', () => {
  it('without the leak sign, all border-connected air is outside, the leaked lung with it', () => {
    const { cls, shape } = leakyBox()
    // The lung is enclosed within slices 0 and 2: 2 × 16 voxels = 0.032 mL of the sign.
    const r = classifyOutsideAir(cls, new Uint8Array(cls.length), shape, [1, 1, 1], { radiusMm: 1, triggerMl: 1 })
    expect(r).toEqual({ components: 1, enclosedMl: 0.032, cut: false })
    expect(cls.every((c) => c === DENSE || c === OUTSIDE)).toBe(true)
  })

  it('with it, cuts the channel: the lung keeps an enclosed core and is no longer outside', () => {
    const { cls, shape } = leakyBox()
    const r = classifyOutsideAir(cls, new Uint8Array(cls.length), shape, [1, 1, 1], { radiusMm: 1, triggerMl: 0.01 })
    expect(r.cut).toBe(true)
    // The lung's centre (2 mm from the wall, more than the 1 mm ball) is an enclosed core.
    expect(cls[at(shape, 0, 5, 5)]).toBe(DEEP)
    // No lung voxel is outside; the open air far from the body is.
    for (let z = 0; z < 3; z++)
      for (let y = 4; y <= 7; y++) for (let x = 4; x <= 7; x++) expect([EDGE, DEEP]).toContain(cls[at(shape, z, y, x)])
    expect(cls[at(shape, 0, 0, 0)]).toBe(OUTSIDE)
    expect(cls[at(shape, 1, 11, 11)]).toBe(OUTSIDE)
    // The channel's mouth is within the ball's reach of open air; its part in the wall is not.
    expect(cls[at(shape, 1, 5, 2)]).toBe(OUTSIDE)
    expect(cls[at(shape, 1, 5, 3)]).toBe(EDGE)
  })

  it('leaves air that never touches a side alone', () => {
    const { cls, shape } = leakyBox()
    for (let x = 0; x <= 3; x++) cls[at(shape, 1, 5, x)] = DENSE // no channel
    const r = classifyOutsideAir(cls, new Uint8Array(cls.length), shape, [1, 1, 1], { radiusMm: 1, triggerMl: 0.01 })
    expect(r).toEqual({ components: 1, enclosedMl: 0, cut: false })
    expect(cls[at(shape, 1, 5, 5)]).toBe(INNER)
  })
})
