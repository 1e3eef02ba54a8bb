/**
 * Airways: trachea, main bronchi, a few generations of bronchi inside each aerated lung, and
 * the tracheostomy tube. Walls are painted before lumens so a later wall never plugs an earlier
 * lumen. The trachea and the main bronchi keep the mask as it is (mask 0 in the mediastinum,
 * mask 1 where a main bronchus runs inside the lung), matching the ground-truth rule "lung
 * parenchyma, not airways outside the lungs".
 */
import { paintCapsule, paintEllipsoid } from './capsule'
import { Rng, deriveSeed } from './prng'
import { AIR_HU, SOFT_TISSUE_HU } from './torso'
import { growTree } from './trees'
import type { Layout, Segment, Vec3, VolumeBuffers } from './types'
import { lungCloud } from './vessels'

/** Tracheostomy tubes are PVC or silicone. */
export const TUBE_HU = 150
const BRONCHUS_DEPTH = 4

function wallOf(r: number): number {
  return r + Math.max(1, 0.25 * r)
}

/** Bronchi inside each aerated lung, from the end of its main bronchus. */
export function bronchialTrees(L: Layout, seed: number): Segment[] {
  const out: Segment[] = []
  L.lungs.forEach((l, n) => {
    if (l.collapsed) return
    const rng = new Rng(deriveSeed(seed, `bronchi-${n}`))
    const cloud = lungCloud(L, l, rng, 2 << BRONCHUS_DEPTH)
    const main = L.mainBronchi[n]!
    out.push(...growTree(main.b, cloud, { radius: 0.75 * main.r, minRadius: 1, maxDepth: BRONCHUS_DEPTH, step: 0.45 }))
  })
  return out
}

export function paintAirways(vol: VolumeBuffers, L: Layout, seed: number): void {
  const t = L.trachea
  const top: Vec3 = [t.x, t.y, t.zTop]
  const carina: Vec3 = [t.x, t.y, t.zCarina]
  const small = bronchialTrees(L, seed)
  paintCapsule(vol, top, carina, t.r + t.wall, SOFT_TISSUE_HU, 'keep')
  for (const b of L.mainBronchi) paintCapsule(vol, b.a, b.b, wallOf(b.r), SOFT_TISSUE_HU, 'keep')
  for (const s of small) paintCapsule(vol, s.a, s.b, wallOf(s.r), SOFT_TISSUE_HU, 'inside')
  paintCapsule(vol, top, carina, t.r, AIR_HU, 'keep')
  for (const b of L.mainBronchi) paintCapsule(vol, b.a, b.b, b.r, AIR_HU, 'keep')
  for (const s of small) paintCapsule(vol, s.a, s.b, s.r, AIR_HU, 'inside')
  paintTracheostomy(vol, L)
}

/**
 * A tube from outside the neck through the skin into the trachea, bending down inside it, with
 * a flange on the skin. Its lumen joins the outside air to the airways (and so to the lungs):
 * the tutorial's failure case.
 */
export function paintTracheostomy(vol: VolumeBuffers, L: Layout): void {
  const tr = L.tracheostomy
  if (!tr) return
  const outside: Vec3 = [tr.x, tr.yOut, tr.z]
  const bend: Vec3 = [tr.x, tr.yIn, tr.z]
  const tip: Vec3 = [tr.x, tr.yIn, tr.z - tr.depth]
  const ay = Math.max(2, 0.6 * vol.grid.dy)
  paintEllipsoid(vol, { cx: tr.x, cy: tr.flangeY, cz: tr.z, ax: 30, ay, az: 12 }, TUBE_HU, 'clear')
  paintCapsule(vol, outside, bend, tr.r + tr.wall, TUBE_HU, 'clear')
  paintCapsule(vol, bend, tip, tr.r + tr.wall, TUBE_HU, 'clear')
  paintCapsule(vol, outside, bend, tr.r, AIR_HU, 'clear')
  paintCapsule(vol, bend, tip, tr.r, AIR_HU, 'clear')
}
