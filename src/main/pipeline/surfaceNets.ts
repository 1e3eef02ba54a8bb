/**
 * A lung mask as a triangle surface, made once by the worker so the renderer never contours
 * 40 M voxels. Surface nets (the dual of marching cubes: one vertex per boundary cell, one quad
 * per boundary face) on a grid coarsened by `step`, then Taubin smoothing, which rounds the
 * voxel staircase off without shrinking the lungs as plain Laplacian smoothing would. Coarsening
 * is the decimation: a 2 mm mesh of a lung is ~50 k triangles instead of ~1 M at 1 mm.
 */
import type { Vec3 } from '../../shared/api'

export interface Mesh {
  /** x, y, z per point, millimetres; x = column, y = row, z = slice axis of the volume. */
  points: Float32Array
  /** Three point indices per triangle, counter-clockwise seen from outside. */
  triangles: Uint32Array
}

export interface SurfaceOptions {
  /** Coarsening factor per axis (a cell of step³ voxels is inside when at least half is). @default 2 */
  step?: number
  /** Taubin iterations (each one λ pass and one μ pass). @default 8 */
  smoothIterations?: number
  /** A coarse cell is inside when any voxel of it is (thin objects such as wires survive). @default false */
  anyInside?: boolean
  /** [z, y, x] mm added to every point (a grid that was already coarsened sits half a fine voxel in). @default [0, 0, 0] */
  originMm?: Vec3
}

/** What counts as inside: a mask of 0 and 1 only, or HU at or above a threshold (metal). */
export type InsideTest = { mask: Uint8Array } | { hu: Int16Array; min: number }

/**
 * @param spacing [z, y, x] mm between voxel centres
 * @param maxHu for an HU test, the image's largest value (or any bound above it) when the caller
 *   knows it from its histogram: below `min`, nothing is inside and the volume is not read at all
 */
export function surfaceNets(inside: InsideTest, shape: Vec3, spacing: Vec3, opts: SurfaceOptions = {}, maxHu?: number): Mesh {
  const step = Math.max(1, Math.floor(opts.step ?? 2))
  const [, Y, X] = shape
  const mask = 'mask' in inside ? inside.mask : null
  const hu = 'hu' in inside ? inside.hu : null
  const min = 'hu' in inside ? inside.min : 0
  const none = (): Mesh => ({ points: new Float32Array(0), triangles: new Uint32Array(0) })
  if (hu && maxHu !== undefined && maxHu < min) return none()
  // Only the box around what is inside is counted and contoured: lungs fill a fraction of the
  // field of view, and metal is usually absent (then this scan is all there is).
  const box = mask ? maskBox(mask, shape) : huBox(hu!, min, shape)
  if (!box) return none()
  const [z0, z1, y0, y1, x0, x1] = box
  // Coarse cells holding an inside voxel, in the padded numbering (one empty cell on every
  // side, so every surface is closed): cell c holds voxels (c − 1)·step … c·step − 1.
  const K0 = Math.floor(z0 / step) + 1
  const J0 = Math.floor(y0 / step) + 1
  const I0 = Math.floor(x0 / step) + 1
  const bz = Math.floor(z1 / step) + 2 - K0
  const by = Math.floor(y1 / step) + 2 - J0
  const bx = Math.floor(x1 / step) + 2 - I0
  // Inside voxels per coarse cell of the box (no per-voxel division), then cells that are at
  // least half inside (at step 1 the cell is the voxel: a count of 0 or 1).
  const half = step === 1 || opts.anyInside ? 1 : Math.ceil((step * step * step) / 2)
  const counts = step === 1 ? new Uint8Array(bz * by * bx) : new Uint16Array(bz * by * bx)
  const colCell = new Int32Array(x1 - x0 + 1)
  for (let c = x0; c <= x1; c++) colCell[c - x0] = Math.floor(c / step) + 1 - I0
  for (let k = z0; k <= z1; k++) {
    const ck = Math.floor(k / step) + 1 - K0
    for (let j = y0; j <= y1; j++) {
      const row = (ck * by + Math.floor(j / step) + 1 - J0) * bx
      const i = (k * Y + j) * X + x0
      const n = x1 - x0 + 1
      if (mask) {
        for (let c = 0; c < n; c++) if (mask[i + c] !== 0) counts[row + colCell[c]!]!++
      } else {
        for (let c = 0; c < n; c++) if (hu![i + c]! >= min) counts[row + colCell[c]!]!++
      }
    }
  }
  // The box of cells that are inside: the counted box itself when any voxel makes a cell
  // inside (its faces each hold one), else smaller.
  let k0 = 0
  let k1 = bz - 1
  let j0 = 0
  let j1 = by - 1
  let i0 = 0
  let i1 = bx - 1
  if (half > 1) {
    k0 = bz
    k1 = -1
    j0 = by
    j1 = -1
    i0 = bx
    i1 = -1
    for (let k = 0, v = 0; k < bz; k++)
      for (let j = 0; j < by; j++)
        for (let i = 0; i < bx; i++, v++) {
          if (counts[v]! < half) continue
          if (k < k0) k0 = k
          if (k > k1) k1 = k
          if (j < j0) j0 = j
          if (j > j1) j1 = j
          if (i < i0) i0 = i
          if (i > i1) i1 = i
        }
    if (k1 < 0) return none()
  }
  // One empty cell of margin around the inside cells, so the surface stays closed.
  const dims: Vec3 = [k1 - k0 + 3, j1 - j0 + 3, i1 - i0 + 3]
  const grid = new Uint8Array(dims[0] * dims[1] * dims[2])
  for (let k = k0; k <= k1; k++)
    for (let j = j0; j <= j1; j++) {
      const src = (k * by + j) * bx
      const dst = ((k - k0 + 1) * dims[1] + (j - j0 + 1)) * dims[2] + 1 - i0
      for (let i = i0; i <= i1; i++) if (counts[src + i]! >= half) grid[dst + i] = 1
    }
  const cellMm: Vec3 = [spacing[0] * step, spacing[1] * step, spacing[2] * step]
  // The crop's first cell is padded coarse cell (K0 + k0 − 1, …).
  const mesh = contour(grid, dims, cellMm, [K0 + k0 - 1, J0 + j0 - 1, I0 + i0 - 1], (step - 1) / 2, spacing, opts.smoothIterations ?? 8)
  const o = opts.originMm
  if (o && (o[0] || o[1] || o[2])) {
    for (let i = 0; i < mesh.points.length; i += 3) {
      mesh.points[i] = mesh.points[i]! + o[2]
      mesh.points[i + 1] = mesh.points[i + 1]! + o[1]
      mesh.points[i + 2] = mesh.points[i + 2]! + o[0]
    }
  }
  return mesh
}

type Box = [z0: number, z1: number, y0: number, y1: number, x0: number, x1: number]

/**
 * Smallest box holding every non-zero voxel of a mask, or null. Rows are crossed four voxels at
 * a time (the mask's bytes as words of the buffer from its first 4-byte boundary): from the
 * left to the first non-zero voxel, from the right to the last.
 */
function maskBox(mask: Uint8Array, [Z, Y, X]: Vec3): Box | null {
  const shift = mask.byteOffset & 3
  const words = new Int32Array(mask.buffer, mask.byteOffset - shift, (mask.length + shift) >> 2)
  let z0 = Z
  let z1 = -1
  let y0 = Y
  let y1 = -1
  let x0 = X
  let x1 = -1
  for (let k = 0, off = 0; k < Z; k++)
    for (let j = 0; j < Y; j++, off += X) {
      const e = off + X
      let i = off
      while (i < e && mask[i] === 0 && ((i + shift) & 3) !== 0) i++
      while (i + 4 <= e && words[(i + shift) >> 2] === 0) i += 4
      while (i < e && mask[i] === 0) i++
      if (i === e) continue
      if (i - off < x0) x0 = i - off
      let l = e - 1
      while (l > i && mask[l] === 0 && ((l + 1 + shift) & 3) !== 0) l--
      // Word by word only from a word's last byte (the word holding l is bytes l − 3 … l).
      if (((l + 1 + shift) & 3) === 0) while (l - 4 >= i && words[(l + shift) >> 2] === 0) l -= 4
      while (mask[l] === 0) l--
      if (l - off > x1) x1 = l - off
      if (k < z0) z0 = k
      z1 = k
      if (j < y0) y0 = j
      if (j > y1) y1 = j
    }
  return z1 < 0 ? null : [z0, z1, y0, y1, x0, x1]
}

/** Smallest box holding every voxel at or above `min` HU, or null. */
function huBox(hu: Int16Array, min: number, [Z, Y, X]: Vec3): Box | null {
  // Integer HU: at or above min is at or above its ceiling, clamped to just outside the int16
  // range, so the differences below are small integers.
  const least = Math.min(32768, Math.max(-32768, Math.ceil(min)))
  let z0 = Z
  let z1 = -1
  let y0 = Y
  let y1 = -1
  let x0 = X
  let x1 = -1
  for (let k = 0, off = 0; k < Z; k++)
    for (let j = 0; j < Y; j++, off += X) {
      // Whether the row holds one, without a branch per voxel: v − min is negative for every
      // voxel below, so the AND of them all keeps the sign bit only then.
      let all = -1
      for (let i = off, e = off + X; i < e; i++) all &= hu[i]! - least
      if (all < 0) continue
      let first = 0
      while (first < X && hu[off + first]! < least) first++
      if (first === X) continue
      let last = X - 1
      while (hu[off + last]! < least) last--
      if (first < x0) x0 = first
      if (last > x1) x1 = last
      if (k < z0) z0 = k
      z1 = k
      if (j < y0) y0 = j
      if (j > y1) y1 = j
    }
  return z1 < 0 ? null : [z0, z1, y0, y1, x0, x1]
}

/** Edges of a cube as pairs of corner numbers (corner bit 0 = +x, bit 1 = +y, bit 2 = +z). */
const EDGES = [0, 1, 2, 3, 4, 5, 6, 7, 0, 2, 1, 3, 4, 6, 5, 7, 0, 4, 1, 5, 2, 6, 3, 7]

/**
 * Per corner pattern (bit c = corner c inside), the vertex in cell-local 0..1 coordinates: the
 * mean of the crossing edges' midpoints, computed once for all 256 patterns (the same sums in
 * the same order as per cell, so the same numbers).
 */
const VERTEX_IN_CELL = (() => {
  const t = new Float64Array(256 * 3)
  for (let cfg = 1; cfg < 255; cfg++) {
    let sx = 0
    let sy = 0
    let sz = 0
    let n = 0
    for (let e = 0; e < 24; e += 2) {
      const a = EDGES[e]!
      const b = EDGES[e + 1]!
      if (((cfg >> a) & 1) === ((cfg >> b) & 1)) continue
      sx += ((a & 1) + (b & 1)) / 2
      sy += (((a >> 1) & 1) + ((b >> 1) & 1)) / 2
      sz += (((a >> 2) & 1) + ((b >> 2) & 1)) / 2
      n++
    }
    t[3 * cfg] = sx / n
    t[3 * cfg + 1] = sy / n
    t[3 * cfg + 2] = sz / n
  }
  return t
})()

/** Room for `need` values: the array itself, or a copy twice as long. */
function grown(a: Float32Array, need: number): Float32Array {
  if (need <= a.length) return a
  const b = new Float32Array(Math.max(need, 2 * a.length))
  b.set(a)
  return b
}

/** @param at padded coarse index of the grid's first cell, [z, y, x] */
function contour(grid: Uint8Array, dims: Vec3, cellMm: Vec3, at: Vec3, centreOffset: number, spacing: Vec3, iterations: number): Mesh {
  const [pz, py, px] = dims
  // Cells sit between voxel centres: cell (k, j, i) has voxel (k, j, i) as its lowest corner.
  const cz = pz - 1
  const cy = py - 1
  const cx = px - 1
  // Point index + 1 per cell (0: none), so the fresh zeroed array needs no fill.
  const vertexOf = new Int32Array(cz * cy * cx)
  let pts: Float32Array = new Float32Array(3 * 4096)
  let np = 0
  const plane = px * py
  // Each grid row's first and last inside voxel (lo > hi: none). A cell or face can only be on
  // the surface next to an inside voxel: the loops below only cross these spans, a fraction of
  // the box (outside air in the corners, between and around the lungs).
  const rows = pz * py
  const lo = new Int32Array(rows).fill(px)
  const hi = new Int32Array(rows).fill(-1)
  for (let r = 0; r < rows; r++) {
    const off = r * px
    let i = 0
    while (i < px && grid[off + i] === 0) i++
    if (i === px) continue
    lo[r] = i
    let l = px - 1
    while (grid[off + l] === 0) l--
    hi[r] = l
  }
  // Padded coarse index → fine voxel index (centre of the coarse cell) → millimetres.
  const offX = centreOffset * spacing[2]
  const offY = centreOffset * spacing[1]
  const offZ = centreOffset * spacing[0]
  for (let k = 0; k < cz; k++)
    for (let j = 0; j < cy; j++) {
      const r = k * py + j
      // Cell i has voxels i and i + 1 of rows (k, j), (k, j + 1), (k + 1, j), (k + 1, j + 1).
      const from = Math.max(0, Math.min(lo[r]!, lo[r + 1]!, lo[r + py]!, lo[r + py + 1]!) - 1)
      const to = Math.min(cx - 1, Math.max(hi[r]!, hi[r + 1]!, hi[r + py]!, hi[r + py + 1]!))
      if (from > to) continue
      const base = r * px
      // The corners of cell i are voxels i and i + 1 of four rows: a column's four voxels as
      // four bits, two columns make the cell's pattern (bit 0 = +x, 1 = +y, 2 = +z).
      let v = base + from
      let left = grid[v]! | (grid[v + px]! << 1) | (grid[v + plane]! << 2) | (grid[v + plane + px]! << 3)
      for (let i = from; i <= to; i++) {
        v++
        const right = grid[v]! | (grid[v + px]! << 1) | (grid[v + plane]! << 2) | (grid[v + plane + px]! << 3)
        const pair = left | (right << 4)
        left = right
        // Most cells are all outside or all inside.
        if (pair === 0 || pair === 255) continue
        // Corner c of the cube: x bit from the column, y and z bits from the row.
        const cfg = CFG_OF_PAIR[pair]!
        vertexOf[(k * cy + j) * cx + i] = np / 3 + 1
        pts = grown(pts, np + 3)
        pts[np++] = (at[2] + i + VERTEX_IN_CELL[3 * cfg]! - 1) * cellMm[2] + offX
        pts[np++] = (at[1] + j + VERTEX_IN_CELL[3 * cfg + 1]! - 1) * cellMm[1] + offY
        pts[np++] = (at[0] + k + VERTEX_IN_CELL[3 * cfg + 2]! - 1) * cellMm[0] + offZ
      }
    }
  // Every cell of a quad is on the surface and a cell has 12 edges, each in at most one quad of
  // 4 cells: at most 3 quads (18 indices) per point, so no growing.
  const tris = new Uint32Array((18 * np) / 3)
  let nt = 0
  // One quad per pair of face-adjacent voxels that differ, joining the four cells around their
  // edge (in the order of the first implementation: x faces, y faces, z faces, each in raster order).
  const cellPlane = cx * cy
  for (let k = 1; k < pz - 1; k++)
    for (let j = 1; j < py - 1; j++) {
      const r = k * py + j
      const to = Math.min(px - 2, hi[r]!)
      for (let i = Math.max(0, lo[r]! - 1), v = r * px + i; i <= to; i++, v++) {
        const a = grid[v]!
        if (a === grid[v + 1]) continue
        const c = (k * cy + j) * cx + i // cell (k, j, i)
        nt = quad(tris, nt, vertexOf, c - cellPlane - cx, c - cellPlane, c, c - cx, a === 0)
      }
    }
  for (let k = 1; k < pz - 1; k++)
    for (let j = 0; j < py - 1; j++) {
      const r = k * py + j
      const to = Math.min(px - 2, Math.max(hi[r]!, hi[r + 1]!))
      for (let i = Math.max(1, Math.min(lo[r]!, lo[r + 1]!)), v = r * px + i; i <= to; i++, v++) {
        const a = grid[v]!
        if (a === grid[v + px]) continue
        const c = (k * cy + j) * cx + i
        nt = quad(tris, nt, vertexOf, c - cellPlane - 1, c - 1, c, c - cellPlane, a === 0)
      }
    }
  for (let k = 0; k < pz - 1; k++)
    for (let j = 1; j < py - 1; j++) {
      const r = k * py + j
      const to = Math.min(px - 2, Math.max(hi[r]!, hi[r + py]!))
      for (let i = Math.max(1, Math.min(lo[r]!, lo[r + py]!)), v = r * px + i; i <= to; i++, v++) {
        const a = grid[v]!
        if (a === grid[v + plane]) continue
        const c = (k * cy + j) * cx + i
        nt = quad(tris, nt, vertexOf, c - cx - 1, c - cx, c, c - 1, a === 0)
      }
    }
  const points = np === pts.length ? pts : pts.slice(0, np)
  const triangles = nt === tris.length ? tris : tris.slice(0, nt)
  if (iterations > 0) taubin(points, triangles, iterations)
  return { points, triangles }
}

/**
 * Two triangles of the quad of cells a, b, c, d at tris[nt], counter-clockwise seen from outside
 * (reversed when `flip`: the first voxel of the face is the outside one); returns the next nt.
 */
function quad(tris: Uint32Array, nt: number, vertexOf: Int32Array, a: number, b: number, c: number, d: number, flip: boolean): number {
  const A = vertexOf[a]! - 1
  const B = vertexOf[b]! - 1
  const C = vertexOf[c]! - 1
  const D = vertexOf[d]! - 1
  tris[nt] = A
  tris[nt + 3] = A
  if (flip) {
    tris[nt + 1] = C
    tris[nt + 2] = B
    tris[nt + 4] = D
    tris[nt + 5] = C
  } else {
    tris[nt + 1] = B
    tris[nt + 2] = C
    tris[nt + 4] = C
    tris[nt + 5] = D
  }
  return nt + 6
}

/**
 * Cube corner pattern of a pair of columns: bits 0–3 are the left column's (+y, +z, +y+z as
 * bits 1–3), bits 4–7 the right one's; corner c of the cube has x = c & 1, y, z = c >> 1 & 1, c >> 2.
 */
const CFG_OF_PAIR = (() => {
  const t = new Uint8Array(256)
  for (let p = 0; p < 256; p++) {
    let cfg = 0
    for (let b = 0; b < 4; b++) {
      // Column bit b: y = b & 1, z = b >> 1; corner = x | y << 1 | z << 2.
      if ((p >> b) & 1) cfg |= 1 << (((b & 1) << 1) | ((b >> 1) << 2))
      if ((p >> (b + 4)) & 1) cfg |= 1 << (1 | ((b & 1) << 1) | ((b >> 1) << 2))
    }
    t[p] = cfg
  }
  return t
})()

/** Taubin λ|μ smoothing over the mesh's edges (λ = 0.5, μ = −0.53), in place. */
export function taubin(points: Float32Array, triangles: Uint32Array, iterations: number): void {
  const n = points.length / 3
  // Neighbour lists in CSR form; an edge shared by two triangles counts twice, evenly for all.
  // Each corner of a triangle lists the other two, next then previous: the order of the sums
  // below, which the smoothed points depend on to the last bit.
  const start = new Uint32Array(n + 1)
  for (let t = 0; t < triangles.length; t++) start[triangles[t]! + 1]! += 2
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!
  const fill = start.slice(0, n)
  const nb = new Uint32Array(start[n]!)
  for (let t = 0; t < triangles.length; t += 3) {
    const a = triangles[t]!
    const b = triangles[t + 1]!
    const c = triangles[t + 2]!
    nb[fill[a]!++] = b
    nb[fill[a]!++] = c
    nb[fill[b]!++] = c
    nb[fill[b]!++] = a
    nb[fill[c]!++] = a
    nb[fill[c]!++] = b
  }
  // Each pass reads one array and writes the other; λ then μ leaves the result in `points`.
  const tmp = new Float32Array(points.length)
  for (let it = 0; it < iterations; it++) {
    smoothPass(points, tmp, start, nb, 0.5)
    smoothPass(tmp, points, start, nb, -0.53)
  }
}

/** One Laplacian step of factor f from `src` into `dst` (a function of its own, no closure: V8 keeps the arrays in registers). */
function smoothPass(src: Float32Array, dst: Float32Array, start: Uint32Array, nb: Uint32Array, f: number): void {
  const n = start.length - 1
  for (let i = 0; i < n; i++) {
    const s = start[i]!
    const e = start[i + 1]!
    if (e === s) {
      dst[3 * i] = src[3 * i]!
      dst[3 * i + 1] = src[3 * i + 1]!
      dst[3 * i + 2] = src[3 * i + 2]!
      continue
    }
    let mx = 0
    let my = 0
    let mz = 0
    for (let q = s; q < e; q++) {
      const p = nb[q]! * 3
      mx += src[p]!
      my += src[p + 1]!
      mz += src[p + 2]!
    }
    const inv = 1 / (e - s)
    dst[3 * i] = src[3 * i]! + f * (mx * inv - src[3 * i]!)
    dst[3 * i + 1] = src[3 * i + 1]! + f * (my * inv - src[3 * i + 1]!)
    dst[3 * i + 2] = src[3 * i + 2]! + f * (mz * inv - src[3 * i + 2]!)
  }
}

/** Signed volume enclosed by a closed mesh, mm³ (positive when triangles face outwards). */
export function meshVolume(m: Mesh): number {
  let v = 0
  const p = m.points
  for (let t = 0; t < m.triangles.length; t += 3) {
    const a = m.triangles[t]! * 3
    const b = m.triangles[t + 1]! * 3
    const c = m.triangles[t + 2]! * 3
    v +=
      p[a]! * (p[b + 1]! * p[c + 2]! - p[b + 2]! * p[c + 1]!) -
      p[a + 1]! * (p[b]! * p[c + 2]! - p[b + 2]! * p[c]!) +
      p[a + 2]! * (p[b]! * p[c + 1]! - p[b + 1]! * p[c]!)
  }
  return v / 6
}
