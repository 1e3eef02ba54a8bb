import { describe, expect, it } from 'vitest'
import { uniform as random } from '../phantom/prng'
import type { Vec3 } from '../../shared/api'
import { squaredDistanceTransform, type SquaredDistanceOptions } from './distanceTransform'
import { setWasmKernels } from './wasmKernels'


/** O(n²) reference: every voxel against every site, outside sites included when asked. */
function bruteForce(mask: Uint8Array, shape: Vec3, spacing: Vec3, opts: SquaredDistanceOptions): Float64Array {
  const [nz, ny, nx] = shape
  const [sz, sy, sx] = spacing
  const fg = (opts.target ?? 'foreground') === 'foreground'
  // With outsideIsTarget the sites are the voxels of the one-voxel shell around the volume too.
  const lo = opts.outsideIsTarget ? -1 : 0
  const sites: number[][] = []
  for (let z = lo; z < nz - lo; z++)
    for (let y = lo; y < ny - lo; y++)
      for (let x = lo; x < nx - lo; x++) {
        const inside = z >= 0 && z < nz && y >= 0 && y < ny && x >= 0 && x < nx
        if (!inside || (mask[(z * ny + y) * nx + x] !== 0) === fg) sites.push([z, y, x])
      }
  const out = new Float64Array(mask.length).fill(Infinity)
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        let best = Infinity
        for (const [pz, py, px] of sites) {
          const d = ((z - pz!) * sz) ** 2 + ((y - py!) * sy) ** 2 + ((x - px!) * sx) ** 2
          if (d < best) best = d
        }
        out[(z * ny + y) * nx + x] = best
      }
  return out
}

describe('squaredDistanceTransform', () => {
  it('gives the squared physical distance to a single site on an anisotropic grid', () => {
    // One site at the centre of 3×3×3; spacing [2, 1, 0.5] mm, so a step costs 4, 1, 0.25 mm².
    const mask = new Uint8Array(27)
    mask[13] = 1
    const d = squaredDistanceTransform(mask, [3, 3, 3], [2, 1, 0.5])
    expect(d[13]).toBe(0)
    expect(d[4]).toBe(4) // [0,1,1]: one z step
    expect(d[10]).toBe(1) // [1,0,1]: one y step
    expect(d[12]).toBe(0.25) // [1,1,0]: one x step
    expect(d[0]).toBe(5.25) // corner: 4 + 1 + 0.25
  })

  it('is Infinity everywhere when there is no site, and 0 on the sites', () => {
    const empty = squaredDistanceTransform(new Uint8Array(24), [2, 3, 4], [1, 1, 1])
    expect([...empty].every((v) => v === Infinity)).toBe(true)
    // Distance to background of an all-background volume is 0 everywhere.
    const bg = squaredDistanceTransform(new Uint8Array(24), [2, 3, 4], [1, 1, 1], { target: 'background' })
    expect([...bg].every((v) => v === 0)).toBe(true)
  })

  it('counts the outside of the volume as a site when asked (erosion with border_value=0)', () => {
    // A 1×1×5 row of foreground: the nearest background is past either end, 1..3 steps of 2 mm.
    // (The outside is also one z or y step away; 10 mm steps there keep it out of the way.)
    const ones = new Uint8Array(5).fill(1)
    const d = squaredDistanceTransform(ones, [1, 1, 5], [10, 10, 2], { target: 'background', outsideIsTarget: true })
    expect([...d]).toEqual([4, 16, 36, 16, 4])
    // Along z and y too: in 3×3×3 of ones the centre is one step (1 mm) from the outside shell.
    const cube = squaredDistanceTransform(new Uint8Array(27).fill(1), [3, 3, 3], [1, 1, 1], {
      target: 'background',
      outsideIsTarget: true,
    })
    expect(cube[13]).toBe(4) // two steps from index 1 to index -1 or 3
    expect(cube[0]).toBe(1)
  })

  it('matches a brute-force distance on random masks, both targets, with and without outside sites', () => {
    const cases: { shape: Vec3; spacing: Vec3; density: number }[] = [
      { shape: [6, 7, 5], spacing: [1, 1, 1], density: 0.05 },
      { shape: [5, 8, 9], spacing: [2.5, 0.7, 0.8], density: 0.02 },
      { shape: [9, 4, 7], spacing: [0.6, 1.3, 3], density: 0.3 },
      { shape: [1, 9, 11], spacing: [5, 0.9, 0.9], density: 0.1 },
      { shape: [7, 7, 1], spacing: [1.1, 1.7, 1], density: 0.6 },
    ]
    const next = random(7)
    for (const { shape, spacing, density } of cases) {
      const mask = Uint8Array.from({ length: shape[0] * shape[1] * shape[2] }, () => (next() < density ? 1 : 0))
      for (const opts of [
        {},
        { target: 'background' },
        { target: 'background', outsideIsTarget: true },
        { outsideIsTarget: true },
      ] as SquaredDistanceOptions[]) {
        const ours = squaredDistanceTransform(mask, shape, spacing, opts)
        const ref = bruteForce(mask, shape, spacing, opts)
        for (let i = 0; i < ref.length; i++) {
          if (ref[i] === Infinity) expect(ours[i]).toBe(Infinity)
          else expect(ours[i]).toBeCloseTo(ref[i]!, 4) // float32 output
        }
      }
    }
  })

  it('bounded (maxSquared): exact up to the bound and Infinity beyond, as the full transform capped', () => {
    const cases: { shape: Vec3; spacing: Vec3; density: number; max: number }[] = [
      { shape: [9, 13, 11], spacing: [1, 1, 1], density: 0.03, max: 9 },
      { shape: [12, 10, 14], spacing: [0.997, 1, 1.002], density: 0.5, max: 36.000036 },
      { shape: [8, 15, 9], spacing: [2.5, 0.7, 0.8], density: 0.02, max: 4 },
      { shape: [10, 9, 12], spacing: [0.6, 1.3, 3], density: 0.2, max: 0 },
      { shape: [1, 20, 17], spacing: [5, 0.9, 0.9], density: 0.08, max: 1000 },
      { shape: [14, 6, 6], spacing: [1, 1, 1], density: 0.9, max: 2 },
      // Planes large enough that the kernels' memory is sized by them, not by its slack.
      { shape: [3, 260, 250], spacing: [1.2, 0.8, 0.8], density: 0.3, max: 25 },
    ]
    const next = random(11)
    for (const { shape, spacing, density, max } of cases) {
      // Blobs, not only salt: runs of sites and of non-sites as masks have them.
      const mask = Uint8Array.from({ length: shape[0] * shape[1] * shape[2] }, () => (next() < density ? 1 : 0))
      for (let i = 1; i < mask.length; i++) if (next() < 0.5) mask[i] = mask[i - 1]!
      for (const opts of [
        {},
        { target: 'background' },
        { target: 'background', outsideIsTarget: true },
        { outsideIsTarget: true },
      ] as SquaredDistanceOptions[]) {
        const full = squaredDistanceTransform(mask, shape, spacing, opts)
        // The WebAssembly kernels and the JavaScript loops.
        for (const kernels of [true, false]) {
          setWasmKernels(kernels)
          const ours = squaredDistanceTransform(mask, shape, spacing, { ...opts, maxSquared: max })
          setWasmKernels(true)
          let finite = 0
          for (let i = 0; i < full.length; i++) {
            if (full[i]! > max) expect(ours[i]).toBe(Infinity)
            else {
              expect(ours[i]).toBe(full[i])
              finite++
            }
          }
          if (max > 0) expect(finite).toBeGreaterThan(0)
        }
      }
    }
    expect(() => squaredDistanceTransform(new Uint8Array(1), [1, 1, 1], [1, 1, 1], { maxSquared: -1 })).toThrow(/maxSquared/)
  })

  it('writes into a given array and rejects shapes that do not match', () => {
    const out = new Float32Array(8)
    const mask = Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0])
    expect(squaredDistanceTransform(mask, [2, 2, 2], [1, 1, 1], { out })).toBe(out)
    expect(out[7]).toBe(3)
    expect(() => squaredDistanceTransform(mask, [2, 2, 3], [1, 1, 1])).toThrow(/does not match/)
    expect(() => squaredDistanceTransform(mask, [2, 2, 2], [1, 0, 1])).toThrow(/spacing/)
  })
})
