/**
 * The two lungs: one implicit shape used both to paint the parenchyma and the ground-truth mask
 * and to place vessels and nodules, so the three can never disagree.
 *
 * Each lung is an elliptic cross-section that grows from a paraboloid apex, widens slightly
 * towards the base, and sits on a diaphragm dome (the rim reaches lower than the centre: the
 * costophrenic recesses). The heart and the spine are carved out with a small margin.
 */
import type { Layout, LungShape, SliceCtx } from './types'

/** Fraction of the lung height over which the apex widens to the full cross-section. */
const APEX_TAPER = 0.3
/** Margins between lung and heart / spine, mm (pleura and mediastinal tissue). */
const HEART_MARGIN = 4
const SPINE_MARGIN = 4
/** Parenchyma HU: anterior (non-dependent) to posterior (dependent, denser with gravity). */
const LUNG_HU_ANTERIOR = -865
const LUNG_HU_POSTERIOR = -815
/** A collapsed lung is airless soft tissue. */
export const COLLAPSED_HU = 40

/** Cross-section scale at height z: 0 above the apex, up to ~1 at the base. */
function sectionScale(l: LungShape, z: number): { f: number; g: number; s: number } {
  const s = (l.zApex - z) / (l.zApex - l.zBase)
  const f = s < APEX_TAPER ? Math.sqrt(Math.max(0, s) / APEX_TAPER) : 1
  return { f, g: 0.88 + 0.12 * s, s }
}

/** True where (x, y, z) mm is inside lung `l` (collapsed or not). */
export function lungContains(L: Layout, l: LungShape, x: number, y: number, z: number): boolean {
  if (z > l.zApex || z < l.zBase) return false
  const { f, g } = sectionScale(l, z)
  const u = (x - l.cx) / (l.ax * g)
  const v = (y - l.cy) / (l.ay * g)
  const q = u * u + v * v
  if (q >= f * f) return false
  if (z < l.zBase + l.dome * Math.max(0, 1 - q)) return false
  const h = L.heart
  const hx = (x - h.cx) / (h.ax + HEART_MARGIN)
  const hy = (y - h.cy) / (h.ay + HEART_MARGIN)
  const hz = (z - h.cz) / (h.az + HEART_MARGIN)
  if (hx * hx + hy * hy + hz * hz < 1) return false
  const sp = L.spine
  const rb = sp.r + SPINE_MARGIN
  if (x * x + (y - sp.cy) * (y - sp.cy) < rb * rb) return false
  const rc = sp.canalR + 8 + SPINE_MARGIN
  if (x * x + (y - sp.canalCy) * (y - sp.canalCy) < rc * rc) return false
  return true
}

/** True where (x, y, z) is in an aerated (not collapsed) lung: the ground-truth region. */
export function inAeratedLung(L: Layout, x: number, y: number, z: number): boolean {
  for (const l of L.lungs) if (!l.collapsed && lungContains(L, l, x, y, z)) return true
  return false
}

/** HU of lung `l` at row y: the gravity gradient, or soft tissue when collapsed. */
export function lungHu(l: LungShape, y: number): number {
  if (l.collapsed) return COLLAPSED_HU
  const t = Math.min(1, Math.max(0, (y - (l.cy - l.ay)) / (2 * l.ay)))
  return Math.round(LUNG_HU_ANTERIOR + (LUNG_HU_POSTERIOR - LUNG_HU_ANTERIOR) * t)
}

/** Paints both lungs into one slice: parenchyma and mask, or soft tissue for a collapsed lung. */
export function paintLungs(ctx: SliceCtx, L: Layout): void {
  const { grid: g, z, hu, mask } = ctx
  for (const l of L.lungs) {
    if (z > l.zApex || z < l.zBase) continue
    const { f, g: widen } = sectionScale(l, z)
    const rx = l.ax * widen * f
    const ry = l.ay * widen * f
    const i0 = Math.max(0, Math.floor((l.cx - rx - g.x0) / g.dx))
    const i1 = Math.min(g.cols - 1, Math.ceil((l.cx + rx - g.x0) / g.dx))
    const j0 = Math.max(0, Math.floor((l.cy - ry - g.y0) / g.dy))
    const j1 = Math.min(g.rows - 1, Math.ceil((l.cy + ry - g.y0) / g.dy))
    for (let j = j0; j <= j1; j++) {
      const y = g.y0 + j * g.dy
      const value = lungHu(l, y)
      const row = j * g.cols
      for (let i = i0; i <= i1; i++) {
        if (!lungContains(L, l, g.x0 + i * g.dx, y, z)) continue
        hu[row + i] = value
        mask[row + i] = l.collapsed ? 0 : 1
      }
    }
  }
}
