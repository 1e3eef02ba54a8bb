/**
 * Bone, per slice: the thoracic spine (vertebral bodies with discs, canal, posterior elements),
 * twelve pairs of ribs and the sternum. Bone is never lung, so every bone pixel clears the mask.
 */
import { fillEllipse } from './torso'
import type { Layout, Rib, SliceCtx } from './types'

export const CORTICAL_HU = 400
export const CANCELLOUS_HU = 250
export const RIB_CORTEX_HU = 700
const RIB_MARROW_HU = 250
const CARTILAGE_HU = 150
const DISC_HU = 90
const CANAL_HU = 25
const STERNUM_CORTEX_HU = 500
const STERNUM_MARROW_HU = 200

export function paintSpine(ctx: SliceCtx, L: Layout): void {
  const s = L.spine
  const A = L.body.ax
  const cortex = Math.max(2, 0.8 * Math.min(ctx.grid.dx, ctx.grid.dy))
  // Phase along the spine: a disc every `pitch` mm, the vertebra in between.
  const phase = (((ctx.z - L.grid.z0) % s.pitch) + s.pitch) % s.pitch
  if (phase < 2 * s.discHalf) {
    fillEllipse(ctx, 0, s.cy, s.r, s.r, DISC_HU, 0)
  } else {
    fillEllipse(ctx, 0, s.cy, s.r, s.r, CORTICAL_HU, 0)
    fillEllipse(ctx, 0, s.cy, s.r - cortex, s.r - cortex, CANCELLOUS_HU, 0)
    // Spinous and transverse processes, then the neural arch around the canal.
    fillEllipse(ctx, 0, s.canalCy + s.canalR + 0.05 * A, 4, 0.06 * A, CORTICAL_HU, 0)
    for (const side of [-1, 1])
      fillEllipse(ctx, side * (s.canalR + 0.1 * A), s.canalCy - 2, 0.08 * A, 5, CORTICAL_HU, 0)
    fillEllipse(ctx, 0, s.canalCy, s.canalR + 5, s.canalR + 5, CORTICAL_HU, 0)
  }
  fillEllipse(ctx, 0, s.canalCy, s.canalR, s.canalR, CANAL_HU, 0)
}

export function paintSternum(ctx: SliceCtx, L: Layout): void {
  const st = L.sternum
  if (ctx.z > st.zTop || ctx.z < st.zBottom) return
  fillEllipse(ctx, 0, st.cy, st.ax, st.ay, STERNUM_CORTEX_HU, 0)
  fillEllipse(ctx, 0, st.cy, st.ax - 2, st.ay - 2, STERNUM_MARROW_HU, 0)
}

/** Ribs crossing this slice: each rib descends linearly from its posterior end to its anterior one. */
function activeRibs(L: Layout, z: number): Rib[] {
  const hh = L.ribcage.halfHeight
  return L.ribs.filter((r) => z <= r.zPost + hh && z >= r.zPost - r.drop - hh)
}

/**
 * Ribs lie on an elliptic band (the rib cage) between the fat layer and the lungs. A pixel of the
 * band belongs to a rib when its angle is within the rib's extent and the rib's height at that
 * angle is within half a rib height of the slice: an oblique rib cut by an axial slice is the
 * elongated arc seen on real CT.
 */
export function paintRibs(ctx: SliceCtx, L: Layout): void {
  const ribs = activeRibs(L, ctx.z)
  if (ribs.length === 0) return
  const { grid: g, z, hu, mask } = ctx
  const c = L.ribcage
  const ht = c.halfThick
  const meanR = (c.ax + c.ay) / 2
  const j0 = Math.max(0, Math.ceil((c.cy - c.ay - ht - g.y0) / g.dy))
  const j1 = Math.min(g.rows - 1, Math.floor((c.cy + c.ay + ht - g.y0) / g.dy))
  for (let j = j0; j <= j1; j++) {
    const y = g.y0 + j * g.dy
    const vo = (y - c.cy) / (c.ay + ht)
    if (vo * vo >= 1) continue
    const outer = (c.ax + ht) * Math.sqrt(1 - vo * vo)
    const vi = (y - c.cy) / (c.ay - ht)
    const inner = vi * vi < 1 ? (c.ax - ht) * Math.sqrt(1 - vi * vi) : 0
    const i0 = Math.max(0, Math.ceil((-outer - g.x0) / g.dx))
    const i1 = Math.min(g.cols - 1, Math.floor((outer - g.x0) / g.dx))
    const v = (y - c.cy) / c.ay
    for (let i = i0; i <= i1; i++) {
      const x = g.x0 + i * g.dx
      if (Math.abs(x) < inner) continue
      const u = x / c.ax
      const radial = (Math.sqrt(u * u + v * v) - 1) * meanR
      if (Math.abs(radial) >= ht) continue
      const phi = Math.atan2(Math.abs(u), v)
      const side = x < 0 ? -1 : 1
      for (const r of ribs) {
        if (r.side !== side || phi < r.phi0 || phi > r.phi1) continue
        const dz = z - (r.zPost - (r.drop * (phi - r.phi0)) / (r.phi1 - r.phi0))
        if (Math.abs(dz) >= c.halfHeight) continue
        const edge = Math.abs(radial) > 0.5 * ht || Math.abs(dz) > 0.6 * c.halfHeight
        hu[j * g.cols + i] = phi > r.phiCartilage ? CARTILAGE_HU : edge ? RIB_CORTEX_HU : RIB_MARROW_HU
        mask[j * g.cols + i] = 0
        break
      }
    }
  }
}
