/**
 * 3-D rasterisers for tubes (capsules: all points within r of a segment) and ellipsoids, over
 * their bounding box only. Vessels, airways, the aorta, leads, nodules and the pacemaker can
 * are all painted with these two functions.
 */
import type { Ellipsoid, PaintMode, Vec3, VolumeBuffers } from './types'

interface Box {
  i0: number
  i1: number
  j0: number
  j1: number
  k0: number
  k1: number
}

function voxelBox(vol: VolumeBuffers, lo: Vec3, hi: Vec3): Box | null {
  const g = vol.grid
  const box = {
    i0: Math.max(0, Math.ceil((lo[0] - g.x0) / g.dx)),
    i1: Math.min(g.cols - 1, Math.floor((hi[0] - g.x0) / g.dx)),
    j0: Math.max(0, Math.ceil((lo[1] - g.y0) / g.dy)),
    j1: Math.min(g.rows - 1, Math.floor((hi[1] - g.y0) / g.dy)),
    k0: Math.max(0, Math.ceil((lo[2] - g.z0) / g.dz)),
    k1: Math.min(g.slices - 1, Math.floor((hi[2] - g.z0) / g.dz)),
  }
  return box.i0 > box.i1 || box.j0 > box.j1 || box.k0 > box.k1 ? null : box
}

function apply(vol: VolumeBuffers, index: number, value: number, mode: PaintMode): void {
  if (mode === 'inside') {
    if (vol.mask[index] === 1) vol.hu[index] = value
    return
  }
  vol.hu[index] = value
  if (mode === 'clear') vol.mask[index] = 0
}

/** Paints every voxel whose centre is within `r` mm of segment a–b. */
export function paintCapsule(vol: VolumeBuffers, a: Vec3, b: Vec3, r: number, value: number, mode: PaintMode): void {
  const box = voxelBox(
    vol,
    [Math.min(a[0], b[0]) - r, Math.min(a[1], b[1]) - r, Math.min(a[2], b[2]) - r],
    [Math.max(a[0], b[0]) + r, Math.max(a[1], b[1]) + r, Math.max(a[2], b[2]) + r],
  )
  if (!box) return
  const g = vol.grid
  const dx = b[0] - a[0]
  const dy = b[1] - a[1]
  const dz = b[2] - a[2]
  const len2 = dx * dx + dy * dy + dz * dz
  const inv = len2 > 0 ? 1 / len2 : 0
  const r2 = r * r
  const plane = g.rows * g.cols
  for (let k = box.k0; k <= box.k1; k++) {
    const pz = g.z0 + k * g.dz - a[2]
    for (let j = box.j0; j <= box.j1; j++) {
      const py = g.y0 + j * g.dy - a[1]
      const base = k * plane + j * g.cols
      for (let i = box.i0; i <= box.i1; i++) {
        const px = g.x0 + i * g.dx - a[0]
        let t = (px * dx + py * dy + pz * dz) * inv
        t = t < 0 ? 0 : t > 1 ? 1 : t
        const ex = px - t * dx
        const ey = py - t * dy
        const ez = pz - t * dz
        if (ex * ex + ey * ey + ez * ez < r2) apply(vol, base + i, value, mode)
      }
    }
  }
}

/** A tube along a polyline, one capsule per leg. */
export function paintPolyline(
  vol: VolumeBuffers,
  path: readonly Vec3[],
  r: number,
  value: number,
  mode: PaintMode,
): void {
  for (let n = 1; n < path.length; n++) paintCapsule(vol, path[n - 1]!, path[n]!, r, value, mode)
}

/** Paints every voxel whose centre is inside the axis-aligned ellipsoid. */
export function paintEllipsoid(vol: VolumeBuffers, e: Ellipsoid, value: number, mode: PaintMode): void {
  const box = voxelBox(vol, [e.cx - e.ax, e.cy - e.ay, e.cz - e.az], [e.cx + e.ax, e.cy + e.ay, e.cz + e.az])
  if (!box) return
  const g = vol.grid
  const plane = g.rows * g.cols
  for (let k = box.k0; k <= box.k1; k++) {
    const w = (g.z0 + k * g.dz - e.cz) / e.az
    for (let j = box.j0; j <= box.j1; j++) {
      const v = (g.y0 + j * g.dy - e.cy) / e.ay
      const base = k * plane + j * g.cols
      for (let i = box.i0; i <= box.i1; i++) {
        const u = (g.x0 + i * g.dx - e.cx) / e.ax
        if (u * u + v * v + w * w < 1) apply(vol, base + i, value, mode)
      }
    }
  }
}
