/**
 * The upper abdomen of a scan that reaches below the diaphragm: the liver under the right
 * dome, the stomach under the left one holding gas over fluid, and gas in the colon. None of
 * it is lung; the ground truth never includes it.
 *
 * The patient lies supine, so gas rises anteriorly and the air–fluid level is a coronal plane:
 * a straight horizontal line in every axial image.
 *
 * Partial volume. A voxel is the mean of what its slab holds. Between the lung base and the gas
 * under it lies only a thin sheet of tissue (diaphragm and stomach or colon wall); where the
 * dome is nearly flat, a slab thicker than that sheet averages lung, tissue and gas to air-like
 * values, so at 2.5–5 mm slices the gas touches the lung in the image, as it does on real scans.
 * Voxels near the gas are therefore the mean of sub-samples along z (in-plane, pixels are much
 * smaller than slices and are sampled at their centres, as everywhere else in the phantom).
 * The ground-truth mask stays the centre sample: lung where the voxel's centre is in a lung.
 */
import { lungContains, lungHu } from './lungs'
import { AIR_HU, SOFT_TISSUE_HU, fillEllipsoid } from './torso'
import type { Layout, LungShape, SliceCtx, Vec3 } from './types'

const LIVER_HU = 60
/** Gastric contents: water with some protein. */
export const FLUID_HU = 15
/** Sub-samples per mm of slice thickness. */
const SAMPLES_PER_MM = 2

/** The liver, painted before the lungs (which then take their place above the dome). */
export function paintLiver(ctx: SliceCtx, L: Layout): void {
  if (L.abdomen) fillEllipsoid(ctx, L.abdomen.liver, LIVER_HU)
}

/** 26 unit directions: faces, edges and corners of a cube. */
const DIRS: Vec3[] = []
for (const dx of [-1, 0, 1])
  for (const dy of [-1, 0, 1])
    for (const dz of [-1, 0, 1]) {
      const n = Math.hypot(dx, dy, dz)
      if (n > 0) DIRS.push([dx / n, dy / n, dz / n])
    }

function distToPolyline2(path: readonly Vec3[], x: number, y: number, z: number): number {
  let best = Infinity
  for (let n = 1; n < path.length; n++) {
    const a = path[n - 1]!
    const b = path[n]!
    const [dx, dy, dz] = [b[0] - a[0], b[1] - a[1], b[2] - a[2]]
    const len2 = dx * dx + dy * dy + dz * dz
    let t = len2 > 0 ? ((x - a[0]) * dx + (y - a[1]) * dy + (z - a[2]) * dz) / len2 : 0
    t = t < 0 ? 0 : t > 1 ? 1 : t
    const ex = x - a[0] - t * dx
    const ey = y - a[1] - t * dy
    const ez = z - a[2] - t * dz
    best = Math.min(best, ex * ex + ey * ey + ez * ez)
  }
  return best
}

const TISSUE = 0
const GAS = 1
const FLUID = 2
const LUNG = 3

/**
 * Paints the stomach's and the colon's contents into one slice, partial-volume averaged along
 * z. `gas` (rows × cols) is set where at least half the voxel is gas.
 */
export function paintAbdomenGas(ctx: SliceCtx, L: Layout, gas: Uint8Array): void {
  const ab = L.abdomen
  if (!ab) return
  const { grid: g, z, hu, mask } = ctx
  const st = ab.stomach
  const colon = ab.colon
  const r2 = colon.r * colon.r
  const lo = [st.cx - st.ax, st.cy - st.ay, st.cz - st.az]
  const hi = [st.cx + st.ax, st.cy + st.ay, st.cz + st.az]
  for (const p of colon.path)
    for (let a = 0; a < 3; a++) {
      lo[a] = Math.min(lo[a]!, p[a]! - colon.r)
      hi[a] = Math.max(hi[a]!, p[a]! + colon.r)
    }
  if (z + g.dz / 2 < lo[2]! || z - g.dz / 2 > hi[2]!) return
  const i0 = Math.max(0, Math.floor((lo[0]! - g.x0) / g.dx))
  const i1 = Math.min(g.cols - 1, Math.ceil((hi[0]! - g.x0) / g.dx))
  const j0 = Math.max(0, Math.floor((lo[1]! - g.y0) / g.dy))
  const j1 = Math.min(g.rows - 1, Math.ceil((hi[1]! - g.y0) / g.dy))
  const n = Math.max(1, Math.ceil(g.dz * SAMPLES_PER_MM))
  const d = ab.diaphragm
  const zLungBottom = Math.min(...L.lungs.map((l) => l.zBase))
  const lungAt = (x: number, y: number, zz: number): LungShape | null => {
    for (const l of L.lungs) if (lungContains(L, l, x, y, zz)) return l
    return null
  }
  const h = L.heart
  // Gas and fluid keep `d` mm of tissue from every lung, and stay under the heart.
  const clear = (x: number, y: number, zz: number): boolean => {
    const hx = (x - h.cx) / (h.ax + d)
    const hy = (y - h.cy) / (h.ay + d)
    const hz = (zz - h.cz) / (h.az + d)
    if (hx * hx + hy * hy + hz * hz < 1) return false
    if (zz < zLungBottom - d) return true
    for (const [ux, uy, uz] of DIRS) if (lungAt(x + d * ux, y + d * uy, zz + d * uz)) return false
    return true
  }
  for (let j = j0; j <= j1; j++) {
    const y = g.y0 + j * g.dy
    for (let i = i0; i <= i1; i++) {
      const x = g.x0 + i * g.dx
      const p = j * g.cols + i
      let sum = 0
      let gasN = 0
      let contents = 0
      const tissue = mask[p] ? SOFT_TISSUE_HU : hu[p]!
      for (let s = 0; s < n; s++) {
        const zz = z - g.dz / 2 + ((s + 0.5) * g.dz) / n
        const u = (x - st.cx) / st.ax
        const v = (y - st.cy) / st.ay
        const w = (zz - st.cz) / st.az
        let cls = TISSUE
        if (u * u + v * v + w * w < 1) cls = y < ab.level ? GAS : FLUID
        else if (distToPolyline2(colon.path, x, y, zz) < r2) cls = GAS
        if (cls !== TISSUE && !clear(x, y, zz)) cls = TISSUE
        const l = cls === TISSUE ? lungAt(x, y, zz) : null
        if (l) cls = LUNG
        if (cls === GAS) gasN++
        if (cls === GAS || cls === FLUID) contents++
        sum += cls === GAS ? AIR_HU : cls === FLUID ? FLUID_HU : cls === LUNG ? lungHu(l!, y) : tissue
      }
      if (contents === 0) continue
      hu[p] = Math.round(sum / n)
      if (2 * gasN >= n) gas[p] = 1
    }
  }
}
