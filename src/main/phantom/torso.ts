/**
 * Per-slice soft tissue: outside air, the body ellipse with its subcutaneous fat layer,
 * mediastinal fat, and the heart. Everything is filled by row spans (an ellipse row is one
 * interval), so a 512 × 512 slice costs a few hundred span fills, not a test per pixel.
 */
import type { Ellipsoid, Layout, SliceCtx } from './types'

export const AIR_HU = -1000
export const FAT_HU = -100
export const SOFT_TISSUE_HU = 40
const MEDIASTINAL_FAT_HU = -90
const EPICARDIAL_FAT_MM = 3

/**
 * Fills the x-span of ellipse (cx, cy, ax, ay) on every row of the slice with `value`;
 * `mask` 0 clears the lung mask there, undefined leaves it.
 */
export function fillEllipse(
  ctx: SliceCtx,
  cx: number,
  cy: number,
  ax: number,
  ay: number,
  value: number,
  mask?: 0,
): void {
  if (ax <= 0 || ay <= 0) return
  const g = ctx.grid
  const j0 = Math.max(0, Math.ceil((cy - ay - g.y0) / g.dy))
  const j1 = Math.min(g.rows - 1, Math.floor((cy + ay - g.y0) / g.dy))
  for (let j = j0; j <= j1; j++) {
    const v = (g.y0 + j * g.dy - cy) / ay
    const w = 1 - v * v
    if (w <= 0) continue
    const half = ax * Math.sqrt(w)
    const i0 = Math.max(0, Math.ceil((cx - half - g.x0) / g.dx))
    const i1 = Math.min(g.cols - 1, Math.floor((cx + half - g.x0) / g.dx))
    if (i1 < i0) continue
    const row = j * g.cols
    ctx.hu.fill(value, row + i0, row + i1 + 1)
    if (mask === 0) ctx.mask.fill(0, row + i0, row + i1 + 1)
  }
}

/** Cross-section of an ellipsoid at the slice's z, grown by `grow` mm on every axis. */
export function fillEllipsoid(ctx: SliceCtx, e: Ellipsoid, value: number, grow = 0, mask?: 0): void {
  const az = e.az + grow
  const t = (ctx.z - e.cz) / az
  if (t * t >= 1) return
  const s = Math.sqrt(1 - t * t)
  fillEllipse(ctx, e.cx, e.cy, (e.ax + grow) * s, (e.ay + grow) * s, value, mask)
}

/** Air everywhere, then the body: fat ring, muscle and organs inside, mediastinal fat. */
export function paintBody(ctx: SliceCtx, L: Layout): void {
  ctx.hu.fill(AIR_HU)
  const b = L.body
  fillEllipse(ctx, b.cx, b.cy, b.ax, b.ay, FAT_HU)
  fillEllipse(ctx, b.cx, b.cy, b.ax - b.fat, b.ay - b.fat, SOFT_TISSUE_HU)
  fillEllipsoid(ctx, L.mediastinalFat, MEDIASTINAL_FAT_HU)
}

/** The heart (unenhanced blood and myocardium, ~+40 HU) in a thin shell of epicardial fat. */
export function paintHeart(ctx: SliceCtx, L: Layout): void {
  fillEllipsoid(ctx, L.heart, MEDIASTINAL_FAT_HU, EPICARDIAL_FAT_MM, 0)
  fillEllipsoid(ctx, L.heart, SOFT_TISSUE_HU, 0, 0)
}
