/**
 * Robust lung segmentation (docs/pipeline.md step 4, "robust mode"). Same idea as the tutorial,
 * air-like voxels (HU ≤ −320) grouped into 3-D components, with its naive parts replaced:
 *
 * 1–2. Outside air is every air component touching a side face, and lungs that leaked into it
 *    through thin channels (metal streaks, a tracheostomy) are cut free (segmentLungsLeak.ts).
 * 3. Both lungs: the largest candidate is kept, and the second too when it holds at least
 *    `secondLungMinRatio` of the largest: the lungs are often separate components (no airway
 *    joins them at −320 HU, or the airways are removed), and the tutorial keeps only one.
 *    Candidates touching a side face are never lungs (what touches the border is outside).
 * 4. Fill: per axial slice, holes of the mask (background the lung encloses: vessels, nodules,
 *    bronchial walls) become lung, up to `maxHoleMm2`. The tutorial's intent (its version turns
 *    every dense island of the slice into air), bounded because the diaphragm dome rises into
 *    the lung base: where the costophrenic recess rings it, the dome's cross-section is a hole
 *    too. Unbounded, the fill added up to 1300 voxels per slice there on the 5 mm phantoms
 *    (Dice 0.970 against the truth instead of 0.998); the tutorial does the same.
 * 5. Trachea and main bronchi are removed (segmentLungsAirways.ts), then step 3 is redone, so
 *    the two lungs the airway joined are both kept and the stubs are dropped.
 * 6. Gas below the diaphragm (stomach, colon), joined to a lung base through the partial volume
 *    of a thin diaphragm, is removed (abdominalGas.ts), and step 3 is redone.
 */
import type { Vec3 } from '../../shared/api'
import { type AbdominalGas, ABDOMINAL_GAS_DEFAULTS, findAbdominalGas } from './abdominalGas'
import {
  LabelScratch,
  type RunLabelling,
  find,
  forEachRun,
  labelMask,
  labelRuns,
  labelRunsAtOrBelow,
  runSizes,
  touchesSideFaces,
} from './connectedComponents'
import { type AirwayOptions, type AirwayResult, type MaskExtent, removeAirways } from './segmentLungsAirways'
import { DEEP, EDGE, INNER, OUTSIDE, classifyOutsideRuns } from './segmentLungsLeak'
import type { OutsideAir } from './segmentLungsLeak'
import { SEED_AIR_THRESHOLD_HU, type Shape3, checkShape } from './segmentLungs'

export interface RobustOptions {
  /** A voxel is air-like at or below this HU. @default -320 (the tutorial's threshold) */
  airThresholdHu?: number
  /**
   * Radius of the leak cut's ball, mm. Above the half-width of the channels to cut (phantom
   * tracheostomy lumen r ≤ 5 mm, real tubes 3.5–4.5 mm; dark streak lines 1–5 mm wide) and well
   * below the half-thickness of a lung (> 20 mm). @default 6
   */
  leakCutRadiusMm?: number
  /** Run the leak cut when this much border-connected air is enclosed in its slice, mL. @default 20 */
  leakTriggerMl?: number
  /**
   * Keep the second-largest candidate as the other lung from this fraction of the largest.
   * Left/right volume ratios of healthy lungs are 0.8–0.95; 0.2 still keeps a badly diseased
   * lung and rejects bowel or stomach gas (tens to a few hundred mL against 2–3 L). @default 0.2
   */
  secondLungMinRatio?: number
  /** Remove the trachea and main bronchi. @default true */
  removeAirways?: boolean
  /**
   * In-plane radius above which a mask cross-section is lung, not airway, mm. Adult tracheas
   * have radii of 7–13 mm, so 12 mm with the stricter in-slice test (an oblique cut is wider
   * than the tube). Results on the phantoms were the same from 8 to 12 mm. @default 12
   */
  airwayRadiusMm?: number
  /** Largest distance of the trachea from the body's midline at the top of the mask, mm. @default 30 */
  airwayMaxOffsetMm?: number
  /**
   * Largest hole the fill closes, mm² per slice: a 30 mm nodule's cross-section (707 mm²; a
   * lesion above 30 mm is a mass, not a nodule), with a margin. On the 5 mm phantoms 500, 750,
   * 1000 and unbounded gave Dice 0.9985, 0.9977, 0.9968 and 0.970 against the truth. @default 750
   */
  maxHoleMm2?: number
  /** Remove gas below the diaphragm (stomach, colon). @default true */
  removeAbdominalGas?: boolean
  /** A mask section whose median is at or below this HU is gas, not parenchyma. @default -950 */
  gasHu?: number
}

export const ROBUST_DEFAULTS: Required<RobustOptions> = {
  airThresholdHu: SEED_AIR_THRESHOLD_HU,
  leakCutRadiusMm: 6,
  leakTriggerMl: 20,
  secondLungMinRatio: 0.2,
  removeAirways: true,
  airwayRadiusMm: 12,
  airwayMaxOffsetMm: 30,
  maxHoleMm2: 750,
  removeAbdominalGas: true,
  gasHu: ABDOMINAL_GAS_DEFAULTS.gasHu,
}

export interface RobustSegmentation {
  /** Lungs with the structures they enclose (vessels, nodules), 0/1. */
  fill: Uint8Array
  /** Air-like lung voxels only, 0/1. */
  noFill: Uint8Array
  /** How the outside air was found, and whether a leak was cut. */
  outside: OutsideAir
  /** Voxels of the fill mask that came out of border-connected air (a leaked lung), 0 normally. */
  leakLungVoxels: number
  /** Lung components kept (0, 1 or 2). */
  lungComponents: number
  /** What the airway removal took, or null when it did not run. */
  airways: AirwayResult | null
  /** What the abdominal gas removal took, or null when it did not run. */
  abdominalGas: AbdominalGas | null
  /** Column of the body's midline: mean x of the voxels that are not outside air. */
  midlineX: number
}

/**
 * The largest eligible component of a labelling and the second when it is at least `ratio` of
 * the largest (0 where none). Ties go to the lower label, as the tutorial's argmax.
 */
function pickLungs(rl: RunLabelling, ok: Uint8Array, ratio: number): [number, number] {
  const sizes = runSizes(rl)
  let first = 0
  let second = 0
  for (let l = 1; l <= rl.count; l++) {
    if (!ok[l]) continue
    if (first === 0 || sizes[l]! > sizes[first]!) {
      second = first
      first = l
    } else if (second === 0 || sizes[l]! > sizes[second]!) second = l
  }
  if (second !== 0 && sizes[second]! < ratio * sizes[first]!) second = 0
  return [first, second]
}

/**
 * Keeps in `mask` (0/1, in place) the largest component not touching a side face and the second
 * when it is at least `ratio` of the largest; returns how many. What it drops is dropped from
 * `also` too (a mask inside `mask`: noFill in fill), which is `also &= mask` without a pass over
 * the volume.
 */
function keepLungs(mask: Uint8Array, also: Uint8Array, shape: Shape3, ratio: number, s: LabelScratch): number {
  const rl = labelMask(mask, shape, { connectivity: 26, scratch: s })
  const ok = touchesSideFaces(rl).map((t) => (t ? 0 : 1))
  const [first, second] = pickLungs(rl, ok, ratio)
  forEachRun(rl, (l, off, len) => {
    if (l === first || l === second) return
    mask.fill(0, off, off + len)
    also.fill(0, off, off + len)
  })
  return (first ? 1 : 0) + (second ? 1 : 0)
}

/**
 * {@link fillHoles2d} of the mask made of the runs of the labels `keep` marks, from the run
 * table: per slice the background runs are the gaps between those runs, joined 4-connected, so
 * no voxel is read. Holes are written into `fill` (which holds that mask).
 */
function fillHolesFromRuns(fill: Uint8Array, rl: RunLabelling, keep: Uint8Array, maxPixels: number): void {
  const [Z, Y, X] = rl.shape
  const { rowFirst, start, end, label } = rl
  let cap = 0
  let gs = new Int32Array(0)
  let ge = new Int32Array(0)
  let parent = new Int32Array(0)
  let size = new Int32Array(0)
  let open = new Uint8Array(0)
  const gRowFirst = new Int32Array(Y + 1)
  for (let z = 0; z < Z; z++) {
    const r0 = rowFirst[z * Y]!
    const r1 = rowFirst[z * Y + Y]!
    let any = false
    for (let r = r0; r < r1 && !any; r++) any = keep[label[r]!] === 1
    // Without mask in the slice its background is one open region.
    if (!any) continue
    if (r1 - r0 + Y > cap) {
      cap = 2 * (r1 - r0 + Y)
      gs = new Int32Array(cap)
      ge = new Int32Array(cap)
      parent = new Int32Array(cap)
      size = new Int32Array(cap)
      open = new Uint8Array(cap)
    }
    let g = 0
    for (let y = 0; y < Y; y++) {
      const row = z * Y + y
      const first = g
      gRowFirst[y] = g
      let x = 0
      for (let r = rowFirst[row]!, re = rowFirst[row + 1]!; r < re; r++) {
        if (!keep[label[r]!]) continue
        if (start[r]! > x) {
          gs[g] = x
          ge[g] = start[r]! - 1
          parent[g] = g
          g++
        }
        x = end[r]! + 1
      }
      if (x < X) {
        gs[g] = x
        ge[g] = X - 1
        parent[g] = g
        g++
      }
      if (y === 0) continue
      // 4-connected: gaps of the row above that overlap in x.
      let p = gRowFirst[y - 1]!
      const pEnd = first
      for (let r = first; r < g && p < pEnd; r++) {
        while (p < pEnd && ge[p]! < gs[r]!) p++
        for (let q = p; q < pEnd && gs[q]! <= ge[r]!; q++) {
          const a = find(parent, q)
          const b = find(parent, r)
          if (a < b) parent[b] = a
          else if (b < a) parent[a] = b
        }
      }
    }
    gRowFirst[Y] = g
    open.fill(0, 0, g)
    size.fill(0, 0, g)
    for (let y = 0; y < Y; y++)
      for (let k = gRowFirst[y]!; k < gRowFirst[y + 1]!; k++) {
        const root = find(parent, k)
        size[root]! += ge[k]! - gs[k]! + 1
        if (y === 0 || y === Y - 1 || gs[k] === 0 || ge[k] === X - 1) open[root] = 1
      }
    for (let y = 0; y < Y; y++)
      for (let k = gRowFirst[y]!; k < gRowFirst[y + 1]!; k++) {
        const root = find(parent, k)
        if (!open[root] && size[root]! <= maxPixels) {
          const off = (z * Y + y) * X
          fill.fill(1, off + gs[k]!, off + ge[k]! + 1)
        }
      }
  }
}

/**
 * Per slice, background regions enclosed by the mask and at most `maxPixels` large become mask.
 * Background is 4-connected, the topological dual of the 8-connected lung.
 */
export function fillHoles2d(
  mask: Uint8Array,
  shape: Shape3,
  maxPixels = Infinity,
  s: LabelScratch = new LabelScratch(),
): Uint8Array {
  const [Z, Y, X] = shape
  const plane = Y * X
  for (let z = 0; z < Z; z++) {
    const slice = mask.subarray(z * plane, (z + 1) * plane)
    const rl = labelRuns(slice, [1, Y, X], { background: 1, connectivity: 6, scratch: s })
    const open = touchesSideFaces(rl)
    const sizes = runSizes(rl)
    forEachRun(rl, (l, off, len) => {
      if (!open[l] && sizes[l]! <= maxPixels) slice.fill(1, off, off + len)
    })
  }
  return mask
}

function airwayOptions(spacing: Readonly<Vec3>, o: Required<RobustOptions>): AirwayOptions {
  return {
    radiusMm: o.airwayRadiusMm,
    maxOffsetMm: o.airwayMaxOffsetMm,
    // A main bronchus descends at roughly 45°: it moves about one slice spacing sideways
    // from one slice to the next, so that is the slack needed to keep following it.
    toleranceMm: spacing[0],
  }
}

/**
 * Trachea and main bronchi in any lung mask (the tutorial's too), mL: what robust mode's
 * airway step would take out of it. The mask is not changed.
 */
export function measureAirwaysMl(
  mask: Uint8Array,
  shape: Shape3,
  spacing: Readonly<Vec3>,
  midlineX: number,
  options: RobustOptions = {},
): number {
  const o = { ...ROBUST_DEFAULTS, ...options }
  const r = removeAirways(mask, mask, shape, spacing, midlineX, { ...airwayOptions(spacing, o), measureOnly: true })
  return (r.removedVoxels * spacing[0] * spacing[1] * spacing[2]) / 1000
}

/** Voxel-count buffers (any content) the segmentation may use instead of allocating. */
export interface RobustBuffers {
  /** Working classes; its content is lost. */
  cls?: Uint8Array
  fill?: Uint8Array
  noFill?: Uint8Array
}

/**
 * @param onAirLabelling sees the air's labelling (HU ≤ the air threshold, 26-connected) right
 *   after it is made, before its scratch is reused: the mask statistics take the body from it
 *   instead of labelling the image again (maskStats.ts bodyFromAirRuns).
 */
export function segmentLungsRobust(
  image: Int16Array,
  shape: Shape3,
  spacing: Readonly<Vec3>,
  options: RobustOptions = {},
  buffers: RobustBuffers = {},
  onAirLabelling?: (air: RunLabelling) => void,
): RobustSegmentation {
  checkShape(image, shape)
  const o = { ...ROBUST_DEFAULTS, ...options }
  // Room for 4 air runs a row (2.5 on the 512² chest phantoms: the outside air either side
  // of the body, the lungs), allocated once instead of grown by copying.
  const s = new LabelScratch(4 * shape[0] * shape[1])
  const n = image.length
  for (const b of [buffers.cls, buffers.fill, buffers.noFill])
    if (b && b.length !== n) throw new RangeError(`segmentLungsRobust: buffer of ${b.length} voxels for ${n}`)
  const cls = buffers.cls ?? new Uint8Array(n)
  // noFill doubles as the leak cut's scratch mask: one volume-sized allocation less.
  const noFill = buffers.noFill ?? new Uint8Array(n)
  // The air is labelled once, straight from the image. Without a leak cut (the common case) the
  // candidates are exactly its components that do not touch a side face, so the classes are
  // never written out and the lungs, their masks and the midline all come from its runs.
  const air = labelRunsAtOrBelow(image, shape, o.airThresholdHu, { connectivity: 26, scratch: s })
  onAirLabelling?.(air)
  const { outside, touch, classified } = classifyOutsideRuns(air, cls, noFill, shape, spacing, {
    radiusMm: o.leakCutRadiusMm,
    triggerMl: o.leakTriggerMl,
  })

  const [Z, Y, X] = shape
  let sumX = 0
  let body = 0
  let lungRuns: RunLabelling
  let ok: Uint8Array
  if (!classified) {
    // Body: every voxel but the outside air's runs. Sums of integers, exact in doubles, so the
    // same midline as a count over voxels.
    let outsideVoxels = 0
    let outsideSumX = 0
    forEachRun(air, (l, off, len) => {
      if (!touch[l]) return
      const x0 = off % X
      outsideVoxels += len
      outsideSumX += ((2 * x0 + len - 1) * len) / 2
    })
    body = n - outsideVoxels
    sumX = (Z * Y * X * (X - 1)) / 2 - outsideSumX
    lungRuns = air
    ok = touch.map((t) => (t ? 0 : 1))
  } else {
    // After the cut, OUTSIDE, EDGE and DEEP lie in the outside air's runs only, INNER fills
    // the other runs, and DENSE is everything else.
    let outsideVoxels = 0
    let outsideSumX = 0
    noFill.fill(0)
    forEachRun(air, (l, off, len) => {
      if (!touch[l]) return void noFill.fill(1, off, off + len)
      for (let i = off, x = off % X; i < off + len; i++, x++)
        if (cls[i] === OUTSIDE) {
          outsideVoxels++
          outsideSumX += x
        } else noFill[i] = 1
    })
    body = n - outsideVoxels
    sumX = (Z * Y * X * (X - 1)) / 2 - outsideSumX
    // Candidates from the border-connected air qualify only with an enclosed core (DEEP).
    lungRuns = labelMask(noFill, shape, { connectivity: 26, scratch: s })
    ok = touchesSideFaces(lungRuns).map((t) => (t ? 0 : 1))
    const thick = new Uint8Array(lungRuns.count + 1)
    forEachRun(lungRuns, (l, off, len) => {
      if (thick[l]) return
      for (let i = off; i < off + len; i++) if (cls[i] === INNER || cls[i] === DEEP) return void (thick[l] = 1)
    })
    for (let l = 1; l <= lungRuns.count; l++) ok[l] = ok[l]! & thick[l]!
  }
  const midlineX = body ? sumX / body : (X - 1) / 2

  const [first, second] = pickLungs(lungRuns, ok, o.secondLungMinRatio)
  let lungComponents = (first ? 1 : 0) + (second ? 1 : 0)
  const keep = new Uint8Array(lungRuns.count + 1)
  keep[first] = 1
  keep[second] = 1
  keep[0] = 0
  noFill.fill(0)
  forEachRun(lungRuns, (l, off, len) => {
    if (keep[l]) noFill.fill(1, off, off + len)
  })
  // The lungs' extent from their runs: the hole fill stays inside it, so it is fill's, which
  // the airway step needs exactly and the gas step as a bound (the steps between only remove).
  let extent: MaskExtent | null = null
  forEachRun(lungRuns, (l, off, len) => {
    if (!keep[l]) return
    const row = (off - (off % X)) / X
    const z = Math.floor(row / Y)
    const y = row - z * Y
    const x0 = off % X
    if (!extent) extent = { bottom: z, top: z, y0: y, y1: y, x0, x1: x0 + len - 1 }
    extent.top = z
    extent.y0 = Math.min(extent.y0, y)
    extent.y1 = Math.max(extent.y1, y)
    extent.x0 = Math.min(extent.x0, x0)
    extent.x1 = Math.max(extent.x1, x0 + len - 1)
  })
  const fill = buffers.fill ?? new Uint8Array(n)
  fill.set(noFill)
  fillHolesFromRuns(fill, lungRuns, keep, o.maxHoleMm2 / (spacing[1] * spacing[2]))
  let airways: AirwayResult | null = null
  if (o.removeAirways && lungComponents > 0) {
    airways = removeAirways(fill, noFill, shape, spacing, midlineX, { ...airwayOptions(spacing, o), extent })
    if (airways.removedVoxels > 0) lungComponents = keepLungs(fill, noFill, shape, o.secondLungMinRatio, s)
  }
  let leakLungVoxels = 0
  if (outside.cut) for (let i = 0; i < n; i++) if (fill[i] && (cls[i] === EDGE || cls[i] === DEEP)) leakLungVoxels++
  let abdominalGas: AbdominalGas | null = null
  if (o.removeAbdominalGas && lungComponents > 0) {
    // cls is free now: it takes the gas found.
    abdominalGas = findAbdominalGas(image, fill, shape, spacing, cls, { gasHu: o.gasHu }, s, extent)
    if (abdominalGas.voxels > 0) {
      for (let i = 0; i < n; i++) if (cls[i]) fill[i] = noFill[i] = 0
      lungComponents = keepLungs(fill, noFill, shape, o.secondLungMinRatio, s)
    }
  }
  return { fill, noFill, outside, leakLungVoxels, lungComponents, airways, abdominalGas, midlineX }
}
