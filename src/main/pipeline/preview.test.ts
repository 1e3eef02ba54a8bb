import { describe, expect, it } from 'vitest'
import { uniform } from '../phantom/prng'
import { renderPreview } from './preview'

/** [z 10, y 20, x 30] at 2 × 1 × 1 mm: tissue (40 HU) with an air box; the mask is the box. */
function scene() {
  const shape: [number, number, number] = [10, 20, 30]
  const image = new Int16Array(10 * 20 * 30).fill(40)
  const mask = new Uint8Array(image.length)
  for (let z = 6; z <= 8; z++)
    for (let y = 12; y <= 15; y++)
      for (let x = 3; x <= 9; x++) {
        const i = (z * 20 + y) * 30 + x
        image[i] = -900
        // One voxel more on slice 7 and row 13: they are where the mask is largest.
        mask[i] = 1
      }
  mask[(7 * 20 + 13) * 30 + 20] = 1
  return { shape, image, mask, spacing: [2, 1, 1] as [number, number, number] }
}

const pixel = (p: ReturnType<typeof renderPreview>, x: number, y: number) => [...p.rgba.subarray((y * p.width + x) * 4, (y * p.width + x) * 4 + 4)]

describe('renderPreview', () => {
  it('shows the axial slice and coronal row that cut the most mask, to scale, mask tinted', () => {
    const s = scene()
    const p = renderPreview(s.image, s.mask, s.shape, s.spacing, 60)
    expect([p.z, p.y]).toEqual([7, 13])
    // 60 px for the longest side (x: 30 mm; z: 20 mm; y: 20 mm): panels 60 wide, 40 high.
    expect([p.width, p.height]).toEqual([2 * 60 + 4, 40])
    // Axial panel: x 3–9 → px 6–19, y 12–15 → py 24–31. Inside: tinted (blue over red).
    const inside = pixel(p, 12, 27)
    expect(inside[2]!).toBeGreaterThan(inside[0]! + 50)
    // Tissue at 40 HU in the lung window: gray, r = g = b.
    const tissue = pixel(p, 40, 5)
    expect(tissue[0]).toBe(tissue[1])
    expect(tissue[1]).toBe(tissue[2])
    expect(tissue[0]).toBeGreaterThan(200)
    // Coronal panel starts after the gap; slice 7 of 10 (2 mm each) is drawn 3 slices below
    // the top: rows 8–11. The mask box covers x 3–9 there.
    const coronal = pixel(p, 64 + 12, 9)
    expect(coronal[2]!).toBeGreaterThan(coronal[0]! + 50)
    expect(pixel(p, 64 + 12, 1)[0]).toBe(pixel(p, 64 + 12, 1)[2]) // z 9: no mask
  })

  it('falls back to the middle without a mask, and rejects a shape that does not fit', () => {
    const s = scene()
    const p = renderPreview(s.image, null, s.shape, s.spacing, 60)
    expect([p.z, p.y]).toEqual([5, 10])
    expect(() => renderPreview(s.image, null, [10, 20, 31], s.spacing)).toThrow(RangeError)
  })

  it('finds the busiest slice and row of masks at any byte offset, rows of any length', () => {
    const rand = uniform(3)
    // Rows of 1100 voxels: more than 255 words in a row.
    for (const shape of [[7, 9, 13], [5, 6, 1100], [3, 4, 4], [4, 3, 1]] as Array<[number, number, number]>) {
      const [Z, Y, X] = shape
      for (const offset of [0, 1, 2, 3]) {
        const mask = new Uint8Array(Z * Y * X + offset).subarray(offset)
        // A different density per slice and row, so one of each is the busiest.
        for (let z = 0; z < Z; z++)
          for (let y = 0; y < Y; y++)
          for (let x = 0; x < X; x++) {
            // Some rows full: a long full row is what would carry one byte's count into the next.
            const k = (z * 7 + y * 3) % 11
            mask[(z * Y + y) * X + x] = k === 10 || rand() < 0.05 + 0.8 * (k / 11) ? 1 : 0
          }
        const perZ = new Array<number>(Z).fill(0)
        const perY = new Array<number>(Y).fill(0)
        mask.forEach((v, i) => {
          perZ[Math.floor(i / (Y * X))]! += v
          perY[Math.floor(i / X) % Y]! += v
        })
        const p = renderPreview(new Int16Array(mask.length), mask, shape, [1, 1, 1], 16)
        expect([p.z, p.y]).toEqual([perZ.indexOf(Math.max(...perZ)), perY.indexOf(Math.max(...perY))])
      }
    }
  })
})
