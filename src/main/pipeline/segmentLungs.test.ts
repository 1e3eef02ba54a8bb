import { describe, expect, it } from 'vitest'
import { segmentLungsSeed, segmentLungsSeedBoth } from './segmentLungs'

/**
 * A literal volume: one string per row, slices separated. '.' outside air (−1000 HU), '#' soft
 * tissue (+40), 'o' lung (−800), 'v' a vessel (+40, only to tell it apart when reading).
 */
function volume(...slices: string[][]): { hu: Int16Array; shape: [number, number, number] } {
  const Y = slices[0]!.length
  const X = slices[0]![0]!.length
  const hu = new Int16Array(slices.length * Y * X)
  const value: Record<string, number> = { '.': -1000, '#': 40, o: -800, v: 40 }
  slices.forEach((rows, z) =>
    rows.forEach((row, y) => [...row].forEach((c, x) => (hu[(z * Y + y) * X + x] = value[c]!))),
  )
  return { hu, shape: [slices.length, Y, X] }
}

/** The mask as rows of 0/1, slice by slice. */
function rows(mask: Uint8Array, [Z, Y, X]: [number, number, number]): string[][] {
  return Array.from({ length: Z }, (_, z) =>
    Array.from({ length: Y }, (_, y) => [...mask.subarray((z * Y + y) * X, (z * Y + y + 1) * X)].join('')),
  )
}

describe('segmentLungsSeed (the tutorial, step 4)', () => {
  it('keeps the air the corner does not reach, without and with the structures inside it', () => {
    // The corner is outside air, which becomes "dense"; the lung is the largest air left. Its
    // vessel is a dense island of the slice: fill turns it into lung, no-fill leaves it out.
    const { hu, shape } = volume(['.......', '.#####.', '.#ooo#.', '.#ovo#.', '.#ooo#.', '.#####.', '.......'])
    expect(rows(segmentLungsSeed(hu, shape, false), shape)).toEqual([
      ['0000000', '0000000', '0011100', '0010100', '0011100', '0000000', '0000000'],
    ])
    expect(rows(segmentLungsSeed(hu, shape, true), shape)).toEqual([
      ['0000000', '0000000', '0011100', '0011100', '0011100', '0000000', '0000000'],
    ])
  })

  it('keeps one of two equal lungs: the first in raster order (argmax ties to the lowest label)', () => {
    const { hu, shape } = volume(['.......', '.#####.', '.#o#o#.', '.#o#o#.', '.#####.', '.......'])
    expect(rows(segmentLungsSeed(hu, shape, false), shape)).toEqual([
      ['0000000', '0000000', '0010000', '0010000', '0000000', '0000000'],
    ])
  })

  it('keeps the outside air when the body covers the corner (the corner voxel is all it looks at)', () => {
    // Voxel [0,0,0] is tissue: its component (the body) is set dense, which changes nothing,
    // so the outside air stays air and, being the largest air component, is "the lung".
    const { hu, shape } = volume(['###...', '#o#...', '###...'])
    expect(rows(segmentLungsSeed(hu, shape, false), shape)).toEqual([['000111', '000111', '000111']])
  })

  it('keeps the air under a tray that spans the image: the corner only reaches the air above it', () => {
    // Rows 0–2: air above and the patient (lung 'o'); row 3: the tray, edge to edge; rows 4–5:
    // air below, cut off from the corner, and larger than the lung: the tutorial's tray failure.
    const { hu, shape } = volume(['......', '.####.', '.#oo#.', '######', '......', '......'])
    expect(rows(segmentLungsSeed(hu, shape, true), shape)).toEqual([
      ['000000', '000000', '000000', '000000', '111111', '111111'],
    ])
  })

  it("fills per slice only what is not part of the slice's largest dense component", () => {
    // Slice 1's vessel touches the body wall: it belongs to the largest dense component of that
    // slice, so even fill leaves it out; slice 0's vessel is an island and is filled.
    const { hu, shape } = volume(
      ['.......', '.#####.', '.#ooo#.', '.#ovo#.', '.#ooo#.', '.#####.', '.......'],
      ['.......', '.#####.', '.#ooo#.', '.#vvo#.', '.#ooo#.', '.#####.', '.......'],
    )
    const { fill, noFill } = segmentLungsSeedBoth(hu, shape)
    expect(rows(fill, shape)).toEqual([
      ['0000000', '0000000', '0011100', '0011100', '0011100', '0000000', '0000000'],
      ['0000000', '0000000', '0011100', '0000100', '0011100', '0000000', '0000000'],
    ])
    expect(rows(noFill, shape)[0]).toEqual([
      '0000000',
      '0000000',
      '0011100',
      '0010100',
      '0011100',
      '0000000',
      '0000000',
    ])
  })

  it('returns an empty mask when nothing but the corner component is air', () => {
    const { hu, shape } = volume(['....', '.##.', '....'])
    expect([...segmentLungsSeed(hu, shape, true)].every((v) => v === 0)).toBe(true)
  })

  it('uses -320 HU exactly as the tutorial: `image > -320` is dense, -320 itself is air', () => {
    const hu = Int16Array.from([-1000, 40, 40, 40, 40, -319, -320, 40, 40, 40, 40, 40])
    // Shape [1, 3, 4]: row 1 is "#, -319, -320, #": -319 is dense and walls the corner off, so
    // the -320 voxel is the only air inside the body.
    expect([...segmentLungsSeed(hu, [1, 3, 4], false)]).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0])
  })
})
