/**
 * Robust mode, steps 1–2 (see segmentLungsRobust.ts): which air is outside the patient.
 *
 * 1. Every air component touching a side face of the volume is outside, not just the corner
 *    voxel's: a tray splits the outside air in two and the tutorial then keeps the half under
 *    it. (The z faces do not count: lungs and trachea are routinely cut by the first and last
 *    slice; outside air always reaches a side face too.)
 * 2. Leak cut. Metal streaks and a tracheostomy join a lung to the outside air through a narrow
 *    channel, and step 1 then throws the lung away. Inside the border-connected air, only the
 *    part a ball of the cut radius fits into and that reaches a side face is "open" outside air;
 *    the outside is that core grown back by the same ball (an opening). What is left of the
 *    border-connected air goes back to the candidates; the caller accepts a candidate from there
 *    only when it holds an enclosed core (DEEP: a thick air body, a lung), so thin slivers (the
 *    air gap over a tray, skin folds) never qualify. Lungs that never touched the outside air
 *    are not altered in any way. (docs/pipeline.md suggests closing the body with a ball
 *    before labelling; that also moves every lung boundary and closes thin lung and airways,
 *    whereas opening only the border-connected air changes nothing unless there is a leak, and
 *    then only the channel.)
 *
 * The cut costs two distance maps of the whole volume (about 3 s each at 48 M voxels), so it
 * runs only when there is a sign of a leak: border-connected air that, within its own axial
 * slice, does not reach the slice's border. A leaked lung shows that way in every slice its
 * leak does not cross; outside air hardly ever does. Measured (2-D-enclosed border-connected
 * air): normal, nodules, one-lung and tray phantoms 0 mL, the 1 mm pacemaker phantom (whose
 * streaks do not reach a lung) 1.2 mL, the real scan A0002 2.5 mL; the leaked phantoms
 * (pacemaker and tracheostomy at 2.5 × 2.5 × 5 mm, tracheostomy at 1 mm) 2450–3930 mL: the
 * lungs. Hence the trigger of 20 mL.
 */
import type { Vec3 } from '../../shared/api'
import { LabelScratch, type RunLabelling, find, forEachRun, labelMask, labelRuns, touchesSideFaces } from './connectedComponents'
import { squaredDistanceTransform } from './distanceTransform'
import { ballLimit } from './morphology'
import type { Shape3 } from './segmentLungs'

/** Voxel classes while segmenting. */
export const DENSE = 0
/** Air not connected to the side faces. */
export const INNER = 1
/** Border-connected air left over by the leak cut: a candidate. */
export const EDGE = 2
/** … inside an enclosed core: a leaked lung's interior. */
export const DEEP = 3
export const OUTSIDE = 4

export interface OutsideAir {
  /** Air components touching a side face. */
  components: number
  /** Border-connected air enclosed within its slice, mL: the leak sign. */
  enclosedMl: number
  /** Whether the leak cut ran and found an enclosed core. */
  cut: boolean
}

/**
 * Border-connected air that, within its own axial slice, does not reach the slice's border:
 * the runs of the labels `touch` marks, joined per slice (8-connected in-plane) straight from
 * the volume's run table, so no voxel is read again. Only outside-air runs take part: in-plane
 * neighbours of different 3-D components cannot exist (they would be one component).
 */
function enclosedInSlices(air: RunLabelling, touch: Uint8Array): number {
  const [Z, Y, X] = air.shape
  const { rowFirst, start, end, label } = air
  const parent = new Int32Array(air.runs)
  const open = new Uint8Array(air.runs)
  let enclosed = 0
  for (let z = 0; z < Z; z++) {
    const r0 = rowFirst[z * Y]!
    const r1 = rowFirst[z * Y + Y]!
    for (let r = r0; r < r1; r++) parent[r] = r
    for (let y = 1; y < Y; y++) {
      const row = z * Y + y
      let p = rowFirst[row - 1]!
      const pEnd = rowFirst[row]!
      for (let r = rowFirst[row]!, re = rowFirst[row + 1]!; r < re && p < pEnd; r++) {
        if (!touch[label[r]!]) continue
        const lo = start[r]! - 1
        const hi = end[r]! + 1
        while (p < pEnd && end[p]! < lo) p++
        for (let q = p; q < pEnd && start[q]! <= hi; q++) {
          if (!touch[label[q]!]) continue
          const a = find(parent, q)
          const b = find(parent, r)
          if (a < b) parent[b] = a
          else if (b < a) parent[a] = b
        }
      }
    }
    for (let r = r0; r < r1; r++) open[r] = 0
    for (let y = 0; y < Y; y++) {
      const row = z * Y + y
      const edgeRow = y === 0 || y === Y - 1
      for (let r = rowFirst[row]!, re = rowFirst[row + 1]!; r < re; r++)
        if (touch[label[r]!] && (edgeRow || start[r] === 0 || end[r] === X - 1)) open[find(parent, r)] = 1
    }
    for (let r = r0; r < r1; r++) if (touch[label[r]!] && !open[find(parent, r)]) enclosed += end[r]! - start[r]! + 1
  }
  return enclosed
}

/**
 * Rewrites `cls` (DENSE / INNER on entry) to DENSE / INNER / EDGE / DEEP / OUTSIDE. `work` is a
 * scratch mask of the volume's size (its content is lost).
 */
export function classifyOutsideAir(
  cls: Uint8Array,
  work: Uint8Array,
  shape: Shape3,
  spacing: Readonly<Vec3>,
  opts: { radiusMm: number; triggerMl: number },
  s: LabelScratch = new LabelScratch(),
): OutsideAir {
  const air = labelRuns(cls, shape, { background: DENSE, connectivity: 26, scratch: s })
  const { outside, touch, classified } = classifyOutsideRuns(air, cls, work, shape, spacing, opts)
  if (!classified)
    forEachRun(air, (l, off, len) => {
      if (touch[l]) cls.fill(OUTSIDE, off, off + len)
    })
  return outside
}

/**
 * {@link classifyOutsideAir} from the air's labelling (26-connected, C order). Without a cut,
 * nothing is written: the outside air is the runs of the labels `touch` marks and every other
 * run is INNER, and `air` stays valid (the cut labels with its own scratch). When `classified`,
 * `cls` (any content on entry) holds all five classes instead.
 */
export function classifyOutsideRuns(
  air: RunLabelling,
  cls: Uint8Array,
  work: Uint8Array,
  shape: Shape3,
  spacing: Readonly<Vec3>,
  opts: { radiusMm: number; triggerMl: number },
): { outside: OutsideAir; touch: Uint8Array; classified: boolean } {
  const touch = touchesSideFaces(air)
  let components = 0
  for (let l = 1; l <= air.count; l++) components += touch[l]!
  const outside: OutsideAir = { components, enclosedMl: 0, cut: false }
  const done = { outside, touch, classified: false }
  if (components === 0) return done
  outside.enclosedMl = (enclosedInSlices(air, touch) * spacing[0] * spacing[1] * spacing[2]) / 1000
  if (outside.enclosedMl < opts.triggerMl) return done

  cls.fill(DENSE)
  work.fill(0)
  forEachRun(air, (l, off, len) => {
    if (!touch[l]) return void cls.fill(INNER, off, off + len)
    cls.fill(EDGE, off, off + len)
    work.fill(1, off, off + len)
  })
  done.classified = true
  // EDGE (and later DEEP and OUTSIDE) voxels lie only in the outside air's runs: the passes
  // below visit those runs, not the volume.
  const outsideRuns = (fn: (off: number, len: number) => void): void =>
    forEachRun(air, (l, off, len) => {
      if (touch[l]) fn(off, len)
    })
  // Erosion. Beyond the volume counts as air (distance to non-EDGE voxels only), so air at a
  // side face is not eroded for being at the face: the outside air goes on there.
  const limit = ballLimit(opts.radiusMm)
  // Both maps are only compared with the ball's limit: bounded to it, they answer the same.
  const dist = squaredDistanceTransform(work, shape as Vec3, spacing, { target: 'background', maxSquared: limit })
  outsideRuns((off, len) => {
    for (let i = off; i < off + len; i++) if (dist[i]! <= limit) work[i] = 0
  })
  const cores = labelMask(work, shape, { connectivity: 26 })
  const open = touchesSideFaces(cores)
  let enclosedCores = 0
  forEachRun(cores, (l, off, len) => {
    if (open[l]) return
    work.fill(0, off, off + len)
    cls.fill(DEEP, off, off + len)
    enclosedCores++
  })
  // Nothing thick hides in the border-connected air: all of it is outside after all.
  if (enclosedCores === 0) {
    outsideRuns((off, len) => cls.fill(OUTSIDE, off, off + len))
    return done
  }
  // Grow the open core back by the ball: that is the outside; the rest are candidates.
  squaredDistanceTransform(work, shape as Vec3, spacing, { target: 'foreground', out: dist, maxSquared: limit })
  outsideRuns((off, len) => {
    for (let i = off; i < off + len; i++) if (dist[i]! <= limit) cls[i] = OUTSIDE
  })
  outside.cut = true
  return done
}
