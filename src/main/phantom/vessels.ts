/**
 * Structures painted in 3-D after the per-slice pass: pulmonary vessel trees (inside the lungs
 * only, so the mask keeps them: the tutorial's fill mask includes vessels), the aorta (not lung:
 * clears the mask where it indents the left lung) and solid nodules.
 */
import { paintCapsule, paintPolyline } from './capsule'
import { lungContains } from './lungs'
import { Rng, deriveSeed } from './prng'
import { SOFT_TISSUE_HU } from './torso'
import { growTree, sampleInside } from './trees'
import type { Layout, LungShape, Segment, VolumeBuffers } from './types'

/** Unenhanced blood and vessel wall. */
export const VESSEL_HU = 40
export const NODULE_HU = 45
/** Generations of the vessel tree: 2^11 points, leaves ~1 mm across at adult size. */
const VESSEL_DEPTH = 10

/** Points spread through the lung for a tree to serve. */
export function lungCloud(L: Layout, l: LungShape, rng: Rng, count: number): Float64Array {
  return sampleInside(rng, count, [l.cx - l.ax, l.cy - l.ay, l.zBase], [l.cx + l.ax, l.cy + l.ay, l.zApex], (x, y, z) =>
    lungContains(L, l, x, y, z),
  )
}

/** Segments of both vessel trees (aerated lungs only). */
export function vesselTrees(L: Layout, seed: number): Segment[] {
  const out: Segment[] = []
  L.lungs.forEach((l, n) => {
    if (l.collapsed) return
    const rng = new Rng(deriveSeed(seed, `vessels-${n}`))
    const cloud = lungCloud(L, l, rng, 2 << VESSEL_DEPTH)
    const radius = 0.04 * L.body.ax
    out.push(...growTree(L.vesselRoots[n]!, cloud, { radius, minRadius: 0.5, maxDepth: VESSEL_DEPTH }))
  })
  return out
}

export function paintVessels(vol: VolumeBuffers, L: Layout, seed: number): void {
  for (const s of vesselTrees(L, seed)) paintCapsule(vol, s.a, s.b, s.r, VESSEL_HU, 'inside')
}

export function paintAorta(vol: VolumeBuffers, L: Layout): void {
  paintPolyline(vol, L.aorta.path, L.aorta.r, SOFT_TISSUE_HU, 'clear')
}

/** Nodules are lung pathology, so they stay in the mask (painted only inside the lung). */
export function paintNodules(vol: VolumeBuffers, L: Layout): void {
  for (const n of L.nodules) paintCapsule(vol, n.c, n.c, n.r, NODULE_HU, 'inside')
}
