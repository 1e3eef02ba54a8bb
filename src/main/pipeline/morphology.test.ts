/**
 * Literal cases say why each answer is what it is; the last block compares voxel for voxel with
 * scipy.ndimage (test/oracle/morphology.py, skipped where /usr/bin/python3 has no scipy). Process
 * and temp-file work goes through test/helpers, so this folder imports no node:*.
 */
import { describe, expect, it } from 'vitest'
import { uniform as random } from '../phantom/prng'
import { python, tool } from '../../../test/helpers/cli'
import { tempDir } from '../../../test/helpers/tmp'
import type { Vec3 } from '../../shared/api'
import { readNpy, writeNpy } from '../io/npy'
import { ballHalfExtent, closeBall, dilateBall, erodeBall } from './morphology'

const count = (m: Uint8Array): number => m.reduce((a, v) => a + v, 0)

/** A single voxel in the middle of a 5×5×5 volume. */
function point(): Uint8Array {
  const m = new Uint8Array(125)
  m[62] = 1
  return m
}

describe('dilateBall', () => {
  it('turns one voxel into the 6-neighbour cross plus centre at r = 1 mm on a 1 mm grid', () => {
    // Face neighbours are 1 mm away (≤ 1, inside); edge diagonals are √2 mm (outside).
    const d = dilateBall(point(), [5, 5, 5], [1, 1, 1], 1)
    expect(count(d)).toBe(7)
    for (const i of [62, 62 - 25, 62 + 25, 62 - 5, 62 + 5, 61, 63]) expect(d[i]).toBe(1)
  })

  it('includes offsets exactly on the sphere: r = √2 adds the 12 edge diagonals, r = √3 the corners', () => {
    expect(count(dilateBall(point(), [5, 5, 5], [1, 1, 1], Math.SQRT2))).toBe(19)
    expect(count(dilateBall(point(), [5, 5, 5], [1, 1, 1], Math.sqrt(3)))).toBe(27)
    // 3 × 0.1 mm rounds to 0.30000000000000004 > 0.3; the tie still counts as inside, so the
    // middle voxel of a 7-voxel row with 0.1 mm steps covers the whole row.
    const row = Uint8Array.from([0, 0, 0, 1, 0, 0, 0])
    expect([...dilateBall(row, [1, 1, 7], [1, 1, 0.1], 0.3)]).toEqual([1, 1, 1, 1, 1, 1, 1])
  })

  it('measures the ball in mm on anisotropic grids', () => {
    // z steps are 2 mm: r = 1 reaches no other slice, so only the in-plane cross (5 voxels).
    expect(count(dilateBall(point(), [5, 5, 5], [2, 1, 1], 1))).toBe(5)
    // r = 2: the in-plane disc dy² + dx² ≤ 4 (13 voxels) plus one slice up and down (2).
    expect(count(dilateBall(point(), [5, 5, 5], [2, 1, 1], 2))).toBe(15)
    expect(ballHalfExtent([2, 1, 1], 2)).toEqual([1, 2, 2])
  })

  it('is the identity at r = 0 and empty on an empty mask', () => {
    const m = point()
    expect(dilateBall(m, [5, 5, 5], [1, 1, 1], 0)).toEqual(m)
    expect(count(dilateBall(new Uint8Array(125), [5, 5, 5], [1, 1, 1], 3))).toBe(0)
    expect(() => dilateBall(m, [5, 5, 5], [1, 1, 1], -1)).toThrow(/radius/)
  })
})

describe('erodeBall', () => {
  it('treats the outside as background by default (scipy border_value=0)', () => {
    // 5×5×5 of ones, r = 1: the surface layer sees the outside through a face, leaving 3×3×3.
    const cube = new Uint8Array(125).fill(1)
    expect(count(erodeBall(cube, [5, 5, 5], [1, 1, 1], 1))).toBe(27)
    // border_value=1: nothing outside is background, so nothing erodes.
    expect(count(erodeBall(cube, [5, 5, 5], [1, 1, 1], 1, { borderValue: 1 }))).toBe(125)
  })

  it('undoes the dilation of a single voxel and can work in place', () => {
    const m = dilateBall(point(), [5, 5, 5], [1, 1, 1], 1)
    expect(erodeBall(m, [5, 5, 5], [1, 1, 1], 1, { out: m })).toEqual(point())
  })
})

describe('closeBall', () => {
  it('bridges a one-voxel gap between two slabs', () => {
    // 1×1×7 row 1 1 1 0 1 1 1 with 10 mm steps in z and y, so a 1 mm ball is 1-D: dilation
    // covers the gap and erosion keeps it. (With 1 mm steps everywhere it would not: the voxel
    // above the gap is √2 from the row, never dilated, and erodes the gap again.)
    const row = Uint8Array.from([1, 1, 1, 0, 1, 1, 1])
    expect([...closeBall(row, [1, 1, 7], [10, 10, 1], 1, { pad: true })]).toEqual([1, 1, 1, 1, 1, 1, 1])
    expect([...closeBall(row, [1, 1, 7], [1, 1, 1], 1, { pad: true })]).toEqual([...row])
  })

  it("mirrors scipy's border artefact by default and avoids it with pad", () => {
    // A full 5×5×5 cube: scipy's closing erodes the rim of width r against the outside.
    const cube = new Uint8Array(125).fill(1)
    expect(count(closeBall(cube, [5, 5, 5], [1, 1, 1], 1))).toBe(27)
    expect(count(closeBall(cube, [5, 5, 5], [1, 1, 1], 1, { pad: true }))).toBe(125)
  })

  it('gives the same answer with a reused distance buffer, long enough or not', () => {
    const m = Uint8Array.from({ length: 125 }, (_, i) => ((i * 7919) % 5 === 0 ? 1 : 0))
    const want = closeBall(m, [5, 5, 5], [1, 1, 1], 1.5, { pad: true })
    for (const scratch of [new Float32Array(1000).fill(-1), new Float32Array(3)])
      expect(closeBall(m, [5, 5, 5], [1, 1, 1], 1.5, { pad: true, scratch })).toEqual(want)
    expect(dilateBall(m, [5, 5, 5], [1, 1, 1], 1, { scratch: new Float32Array(125) })).toEqual(
      dilateBall(m, [5, 5, 5], [1, 1, 1], 1),
    )
  })
})


/** A few random ellipsoids, some touching the edge, with 1 % of voxels flipped (holes, specks). */
function blobs(shape: Vec3, seed: number): Uint8Array {
  const [nz, ny, nx] = shape
  const next = random(seed)
  const m = new Uint8Array(nz * ny * nx)
  for (let b = 0; b < 4; b++) {
    const c = [next() * nz, next() * ny, next() * nx]
    const r = [3 + next() * nz * 0.4, 3 + next() * ny * 0.4, 3 + next() * nx * 0.4]
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          const q = ((z - c[0]!) / r[0]!) ** 2 + ((y - c[1]!) / r[1]!) ** 2 + ((x - c[2]!) / r[2]!) ** 2
          if (q <= 1) m[(z * ny + y) * nx + x] = 1
        }
  }
  for (let i = 0; i < m.length; i++) if (next() < 0.01) m[i] = 1 - m[i]!
  return m
}

const ORACLE = `${import.meta.dirname}/../../../test/oracle/morphology.py`
const hasScipy = (await tool('/usr/bin/python3', ['-c', 'import scipy.ndimage'])).code === 0

describe.skipIf(!hasScipy)('against scipy.ndimage (test/oracle/morphology.py)', () => {
  const dir = hasScipy ? tempDir('morphology-') : ''
  const cases: { shape: Vec3; spacing: Vec3; radius: number }[] = [
    { shape: [18, 20, 22], spacing: [1, 1, 1], radius: 1 },
    { shape: [18, 20, 22], spacing: [1, 1, 1], radius: 3 },
    { shape: [12, 26, 24], spacing: [2.5, 0.7, 0.7], radius: 2.1 }, // 3 × 0.7 ties 2.1
    { shape: [16, 21, 19], spacing: [1.25, 0.8, 0.6], radius: 2.5 },
    { shape: [10, 14, 30], spacing: [0.5, 1.5, 0.9], radius: 1.8 },
  ]
  it.each(cases.map((c, i) => ({ ...c, i })))(
    'matches voxel for voxel: $shape, $spacing mm, r = $radius',
    async (c) => {
      const mask = blobs(c.shape, 100 + c.i)
      const prefix = `${dir}/case${c.i}`
      await writeNpy(`${prefix}.npy`, mask, c.shape)
      const args = [
        ORACLE,
        `${prefix}.npy`,
        prefix,
        '--spacing',
        ...c.spacing.map(String),
        '--radius',
        String(c.radius),
      ]
      await python(args)
      const ours: Record<string, Uint8Array> = {
        dilate: dilateBall(mask, c.shape, c.spacing, c.radius),
        erode: erodeBall(mask, c.shape, c.spacing, c.radius),
        erode1: erodeBall(mask, c.shape, c.spacing, c.radius, { borderValue: 1 }),
        close: closeBall(mask, c.shape, c.spacing, c.radius),
        close_pad: closeBall(mask, c.shape, c.spacing, c.radius, { pad: true }),
      }
      for (const [op, got] of Object.entries(ours)) {
        const want = (await readNpy(`${prefix}.${op}.npy`)).data
        let differ = 0
        for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) differ++
        expect({ op, differ }).toEqual({ op, differ: 0 })
        // Not a trivial case: every op leaves something and changes something.
        expect(count(got)).toBeGreaterThan(0)
        expect(got).not.toEqual(mask)
      }
      // Padded closing never removes a mask voxel.
      for (let i = 0; i < mask.length; i++) if (mask[i] === 1) expect(ours.close_pad![i]).toBe(1)
    },
  )
})
