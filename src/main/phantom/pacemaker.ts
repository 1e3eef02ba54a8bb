/**
 * A pacemaker: a titanium can in the left chest wall, leads to the right heart, and the streak
 * artefacts metal causes in filtered back-projection: alternating bright and dark lines through
 * the metal, strongest next to it, in the slices that contain it.
 */
import { paintEllipsoid, paintPolyline } from './capsule'
import { HU_MAX } from './options'
import type { Layout, SliceCtx, VolumeBuffers } from './types'

/** The can saturates the 12-bit CT scale, as titanium does on a real scanner. */
export const METAL_HU = HU_MAX
export const LEAD_HU = 2500
/** Angular half-width of one streak, radians. */
const STREAK_WIDTH = 0.025
/** Distance from the metal over which streaks keep full strength, mm. */
const STREAK_CORE_MM = 20
const ANGLE_BINS = 2048

export function paintPacemaker(vol: VolumeBuffers, L: Layout): void {
  const p = L.pacemaker
  if (!p) return
  paintPolyline(vol, p.leads, p.leadR, LEAD_HU, 'clear')
  paintEllipsoid(vol, p.can, METAL_HU, 'clear')
}

/** Streak strength per angle bin over [0, π): signed Gaussian lobes, alternating bright/dark. */
function streakProfile(angles: readonly number[]): Float32Array {
  const profile = new Float32Array(ANGLE_BINS)
  for (let b = 0; b < ANGLE_BINS; b++) {
    const theta = (b / ANGLE_BINS) * Math.PI
    let v = 0
    angles.forEach((a, n) => {
      let d = theta - a
      d -= Math.PI * Math.round(d / Math.PI)
      v += (n % 2 === 0 ? 1 : -1) * Math.exp(-((d / STREAK_WIDTH) ** 2))
    })
    profile[b] = v
  }
  return profile
}

/**
 * Adds streaks to one slice (before noise). They cross everything except the metal itself and
 * fade with distance from the can and with distance in z from its centre.
 */
export function paintStreaks(ctx: SliceCtx, L: Layout): void {
  const p = L.pacemaker
  if (!p || p.amplitude === 0) return
  const reach = p.can.az + ctx.grid.dz
  const tz = (ctx.z - p.can.cz) / reach
  if (tz * tz >= 1) return
  const weight = p.amplitude * (1 - tz * tz)
  const profile = streakProfile(p.streakAngles)
  const g = ctx.grid
  for (let j = 0; j < g.rows; j++) {
    const y = g.y0 + j * g.dy - p.can.cy
    for (let i = 0; i < g.cols; i++) {
      const index = j * g.cols + i
      if (ctx.hu[index]! >= LEAD_HU) continue
      const x = g.x0 + i * g.dx - p.can.cx
      const r = Math.sqrt(x * x + y * y)
      let theta = Math.atan2(y, x)
      if (theta < 0) theta += Math.PI
      const bin = Math.min(ANGLE_BINS - 1, Math.floor((theta / Math.PI) * ANGLE_BINS))
      const falloff = r <= STREAK_CORE_MM ? 1 : Math.pow(STREAK_CORE_MM / r, 0.6)
      ctx.hu[index]! += Math.round(weight * falloff * profile[bin]!)
    }
  }
}
