import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Vec3 } from '../../shared/api'
import { uniform } from '../phantom/prng'
import { type Mesh, meshVolume, surfaceNets } from './surfaceNets'

/** A ball of radius r mm centred in the volume, on a grid with the given spacing. */
function ball(shape: Vec3, spacing: Vec3, r: number): Uint8Array {
  const m = new Uint8Array(shape[0] * shape[1] * shape[2])
  const c = shape.map((n, a) => ((n - 1) / 2) * spacing[a]!)
  let i = 0
  for (let k = 0; k < shape[0]; k++)
    for (let j = 0; j < shape[1]; j++)
      for (let x = 0; x < shape[2]; x++, i++) {
        const d2 = (k * spacing[0] - c[0]!) ** 2 + (j * spacing[1] - c[1]!) ** 2 + (x * spacing[2] - c[2]!) ** 2
        if (d2 <= r * r) m[i] = 1
      }
  return m
}

/** Every edge of a closed, consistently oriented surface is used once in each direction. */
function edgesBalanced(tris: Uint32Array): boolean {
  const count = new Map<string, number>()
  for (let t = 0; t < tris.length; t += 3)
    for (let e = 0; e < 3; e++) {
      const k = `${tris[t + e]}>${tris[t + ((e + 1) % 3)]}`
      count.set(k, (count.get(k) ?? 0) + 1)
    }
  for (const [k, n] of count) {
    const [a, b] = k.split('>')
    if (n !== 1 || count.get(`${b}>${a}`) !== 1) return false
  }
  return true
}

describe('surfaceNets', () => {
  it('turns a ball into a closed, outward-facing surface of the right volume (step 1)', () => {
    const shape: Vec3 = [48, 48, 48]
    const m = ball(shape, [1, 1, 1], 18)
    const mesh = surfaceNets({ mask: m }, shape, [1, 1, 1], { step: 1 })
    expect(edgesBalanced(mesh.triangles)).toBe(true)
    // Smoothing keeps the volume (Taubin does not shrink): within 4 % of 4/3 π r³.
    const v = meshVolume(mesh)
    expect(v).toBeGreaterThan(0) // outward normals
    expect(Math.abs(v - (4 / 3) * Math.PI * 18 ** 3) / ((4 / 3) * Math.PI * 18 ** 3)).toBeLessThan(0.04)
  })

  it('coarsens by step and places the mesh in millimetres with anisotropic spacing', () => {
    const shape: Vec3 = [30, 64, 64]
    const spacing: Vec3 = [2, 1, 1]
    const m = ball(shape, spacing, 24)
    const fine = surfaceNets({ mask: m }, shape, spacing, { step: 1 })
    const coarse = surfaceNets({ mask: m }, shape, spacing, { step: 2 })
    expect(edgesBalanced(coarse.triangles)).toBe(true)
    // About a quarter of the faces: the coarse grid has half the resolution on each axis.
    expect(coarse.triangles.length).toBeLessThan(fine.triangles.length / 3)
    const truth = (4 / 3) * Math.PI * 24 ** 3
    expect(Math.abs(meshVolume(coarse) - truth) / truth).toBeLessThan(0.08)
    // Centred where the ball is, in mm (x = column, z = slice axis × 2 mm).
    const mean = [0, 0, 0]
    for (let i = 0; i < coarse.points.length; i++) mean[i % 3]! += coarse.points[i]!
    const n = coarse.points.length / 3
    expect(mean[0]! / n).toBeCloseTo(31.5, 0)
    expect(mean[1]! / n).toBeCloseTo(31.5, 0)
    expect(mean[2]! / n).toBeCloseTo(29, 0)
  })

  it('contours a grid halved beforehand where step 2 would, given the half-voxel origin', async () => {
    const { downsampleMask, halfShape } = await import('./downsample')
    const shape: Vec3 = [40, 40, 40]
    const m = ball(shape, [1, 1, 1], 14)
    const direct = surfaceNets({ mask: m }, shape, [1, 1, 1], { step: 2 })
    const viaHalf = surfaceNets({ mask: downsampleMask(m, shape) }, halfShape(shape), [2, 2, 2], { step: 1, originMm: [0.5, 0.5, 0.5] })
    expect(viaHalf.triangles.length).toBe(direct.triangles.length)
    for (let i = 0; i < direct.points.length; i++) expect(viaHalf.points[i]).toBeCloseTo(direct.points[i]!, 4)
  })

  it('takes HU at or above a threshold as inside (metal), any voxel of a coarse cell counting', () => {
    const shape: Vec3 = [16, 16, 16]
    const hu = new Int16Array(16 ** 3).fill(40)
    hu[(8 * 16 + 8) * 16 + 8] = 3000 // one voxel of metal
    expect(surfaceNets({ hu, min: 2500 }, shape, [1, 1, 1], { step: 2 }).triangles.length).toBe(0) // 1 of 8 is not half
    const wire = surfaceNets({ hu, min: 2500 }, shape, [1, 1, 1], { step: 2, anyInside: true, smoothIterations: 0 })
    expect(wire.triangles.length / 3).toBe(12) // one coarse cube, two triangles a face
  })

  it('gives an empty mesh for an empty mask and a closed one for a mask touching the border', () => {
    const shape: Vec3 = [8, 8, 8]
    expect(surfaceNets({ mask: new Uint8Array(512) }, shape, [1, 1, 1]).triangles.length).toBe(0)
    const full = surfaceNets({ mask: new Uint8Array(512).fill(1) }, shape, [1, 1, 1], { step: 1, smoothIterations: 0 })
    expect(edgesBalanced(full.triangles)).toBe(true)
    // Unsmoothed, the surface runs through the midpoints between the 8³ voxel centres and the padding.
    expect(meshVolume(full)).toBeGreaterThan(7 ** 3)
  })

  it('gives, bit for bit, the meshes of the first implementation (before the box and word scans)', () => {
    // Random balls and specks, anisotropic spacing: every step, both inside tests, smoothing on.
    // The hashes were recorded from the straightforward implementation (commit 79359fe) this
    // one was sped up from; a change of any point or triangle is a change of what the viewer shows.
    const shape: Vec3 = [21, 26, 33]
    const rand = uniform(11)
    const m = new Uint8Array(shape[0] * shape[1] * shape[2])
    const balls = Array.from({ length: 5 }, () => [rand() * shape[0], rand() * shape[1], rand() * shape[2], 2 + rand() * 7])
    for (let k = 0, i = 0; k < shape[0]; k++)
      for (let j = 0; j < shape[1]; j++)
        for (let x = 0; x < shape[2]; x++, i++) {
          if (rand() < 0.01) m[i] = 1
          for (const [a, b, c, r] of balls) if ((k - a!) ** 2 + (j - b!) ** 2 + (x - c!) ** 2 <= r! * r!) m[i] = 1
        }
    const hash = (mesh: Mesh): string =>
      `${mesh.triangles.length / 3}:` +
      createHash('sha256')
        .update(new Uint8Array(mesh.points.buffer, mesh.points.byteOffset, mesh.points.byteLength))
        .update(new Uint8Array(mesh.triangles.buffer, mesh.triangles.byteOffset, mesh.triangles.byteLength))
        .digest('hex')
        .slice(0, 16)
    const sp: Vec3 = [1.25, 0.7, 0.8]
    const hu = Int16Array.from(m, (v, i) => (v ? 2500 + (i % 7) : 2499 - (i % 50)))
    expect(hash(surfaceNets({ mask: m }, shape, sp, { step: 1 }))).toBe('5928:0792bba1aa33ab49')
    expect(hash(surfaceNets({ mask: m }, shape, sp))).toBe('1112:6cce1a4636d86a5b')
    expect(hash(surfaceNets({ mask: m }, shape, sp, { step: 3, smoothIterations: 2 }))).toBe('472:d27a953dd65abc2a')
    expect(hash(surfaceNets({ mask: m }, shape, sp, { anyInside: true }))).toBe('2588:b0624fb4afc6be41')
    expect(hash(surfaceNets({ mask: m }, shape, sp, { step: 1, originMm: [0.5, 0.25, 0.125] }))).toBe('5928:fcc6fbc94d97e881')
    expect(hash(surfaceNets({ hu, min: 2500 }, shape, sp, { anyInside: true, smoothIterations: 4 }))).toBe('2588:caa6e76af159ed98')
    expect(hash(surfaceNets({ hu, min: 2500 }, shape, sp, { step: 2 }))).toBe('1112:6cce1a4636d86a5b')
    // The mask is read four bytes at a time: where it starts in its buffer does not matter.
    for (const offset of [1, 2, 3]) {
      const moved = new Uint8Array(m.length + offset).subarray(offset)
      moved.set(m)
      expect(hash(surfaceNets({ mask: moved }, shape, sp, { step: 1 }))).toBe('5928:0792bba1aa33ab49')
      expect(hash(surfaceNets({ mask: moved }, shape, sp))).toBe('1112:6cce1a4636d86a5b')
    }
    // A known largest HU under the threshold skips the volume; at or above it changes nothing.
    expect(surfaceNets({ hu, min: 2500 }, shape, sp, { step: 1 }, 2499).triangles.length).toBe(0)
    expect(hash(surfaceNets({ hu, min: 2500 }, shape, sp, { step: 2 }, 2506))).toBe('1112:6cce1a4636d86a5b')
  })
})
