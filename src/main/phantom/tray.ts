/**
 * The scanner table under the patient: a slab, slightly curved up at the sides, spanning the
 * full image width below an air gap. It cuts the outside air in two, which is why the
 * tutorial's "corner voxel is outside air" rule fails on it. With circular field-of-view
 * padding the tray exists only inside the circle (padding is applied afterwards), and the
 * padded corners join the air above and below it again; without padding it does not.
 */
import type { Layout, SliceCtx } from './types'

/** Carbon-fibre shell and the denser core, HU (both far above the −320 air threshold). */
export const TRAY_SHELL_HU = 400
export const TRAY_CORE_HU = 120
const SHELL_MM = 3

export function paintTray(ctx: SliceCtx, L: Layout): void {
  const t = L.tray
  if (!t) return
  const g = ctx.grid
  for (let i = 0; i < g.cols; i++) {
    const x = g.x0 + i * g.dx
    const top = t.yTop - t.rise * (x / t.halfFov) ** 2
    const bottom = top + t.thickness
    const j0 = Math.max(0, Math.ceil((top - g.y0) / g.dy))
    const j1 = Math.min(g.rows - 1, Math.floor((bottom - g.y0) / g.dy))
    for (let j = j0; j <= j1; j++) {
      const y = g.y0 + j * g.dy
      const shell = y - top < SHELL_MM || bottom - y < SHELL_MM
      ctx.hu[j * g.cols + i] = shell ? TRAY_SHELL_HU : TRAY_CORE_HU
      ctx.mask[j * g.cols + i] = 0
    }
  }
}
