/**
 * Gas below the diaphragm inside a lung mask: the stomach's gas bubble, colon gas.
 *
 * Where the dome of the diaphragm is nearly flat, a slice thicker than the diaphragm averages
 * lung, muscle and gas to air-like values, so the gas under it joins the lung base in the mask
 * (the tutorial's and, before this step, robust mode's). Opening or erosion do not separate
 * them: the contact is broad, only thin in z. What does, per axial slice and together:
 * - density: a section (a connected part of the mask in one axial slice) whose median is at or
 *   below `gasHu` is gas. Lung parenchyma, even emphysematous, holds tissue (−900…−700 HU, its
 *   median above −950); gas is −1000 plus noise;
 * - walled off in-plane: in the slices it occupies, the gas is its own section, separated from
 *   the lung's sections by the stomach or colon wall and the obliquely cut diaphragm;
 * - position: below the lung. A body of gas sections (26-connected) is abdominal when no lung
 *   lies below any of its voxels in the same column (x, y) — small slack for noise — and most of
 *   its voxels lie under the lung (lung above them in their column: under the dome). The lung is
 *   the bodies of non-gas sections of a real size; small ones (the partial-volume end of a gas
 *   loop leaving the slab) are judged by position like gas. The trachea is gas too but lies
 *   above and between the lungs; a bulla or cavity has lung around and below it.
 * Found gas is then followed up its own columns through pure-gas voxels (the top of a bubble,
 * where its section touches the lung's in-plane). The air–fluid level is not needed (colon gas
 * and an empty stomach have none) and is not used.
 * Known limit: a pure-gas cavity walled off in every slice at the very lung base (a basal bulla
 * with a visible wall) would count as abdominal.
 */
import type { Vec3 } from '../../shared/api'
import { LabelScratch, forEachRun, labelMask, labelRuns, runSizes } from './connectedComponents'
import { type Shape3, checkShape } from './segmentLungs'
import { type MaskExtent, maskExtent } from './segmentLungsAirways'

export interface AbdominalGasOptions {
  /** A section is gas when its median HU is at or below this. @default -950 */
  gasHu?: number
  /** Fraction of a gas body's voxels that may have parenchyma below them (noise). @default 0.05 */
  overSlack?: number
  /** Fraction of a gas body's voxels that must lie under the lung. @default 0.5 */
  underFraction?: number
  /**
   * A body of non-gas sections is lung from this fraction of the largest one; smaller ones
   * (partial-volume ends of gas loops) are judged by position, like gas. @default 0.05
   */
  lungBodyFraction?: number
  /**
   * Smallest body taken, mL. Stomach and colon gas come in tens to hundreds of mL; the lumen of
   * a small bronchus cut across at the lung base (walled off, lung above, none below) holds a
   * few hundredths (0.05 mL on the 1 mm tracheostomy phantom). @default 1
   */
  minBodyMl?: number
}

export const ABDOMINAL_GAS_DEFAULTS: Required<AbdominalGasOptions> = {
  gasHu: -950,
  overSlack: 0.05,
  underFraction: 0.5,
  lungBodyFraction: 0.05,
  minBodyMl: 1,
}

export interface AbdominalGas {
  /** Mask voxels found to be abdominal gas (marked 1 in `work`). */
  voxels: number
  /** Volume of those voxels, mL. */
  ml: number
  /** Gas bodies found. */
  bodies: number
}

const PARENCHYMA = 2
const GAS = 1

/**
 * Finds abdominal gas in `mask` (0/1, not modified). `work` (voxel count, content lost) comes
 * back 1 on the gas found and 0 elsewhere.
 */
export function findAbdominalGas(
  image: Int16Array,
  mask: Uint8Array,
  shape: Shape3,
  spacing: Readonly<Vec3>,
  work: Uint8Array,
  options: AbdominalGasOptions = {},
  s: LabelScratch = new LabelScratch(),
  /**
   * A box holding the whole mask (maskExtent's, or a larger one: slices and rows without mask
   * add nothing), when the caller has one; null: the mask is empty. Found here when absent.
   */
  extent?: MaskExtent | null,
): AbdominalGas {
  checkShape(image, shape)
  checkShape(mask, shape)
  checkShape(work, shape)
  const o = { ...ABDOMINAL_GAS_DEFAULTS, ...options }
  const [Z, Y, X] = shape
  const plane = Y * X
  // Highest slice holding a non-gas section, per column (−1 where none): the lung is among them.
  const high = new Int32Array(plane).fill(-1)
  const gasSlices: number[] = []
  work.fill(0)
  const result: AbdominalGas = { voxels: 0, ml: 0, bodies: 0 }
  const e = extent === undefined ? maskExtent(mask, shape) : extent
  if (!e) return result
  // Only the rows the mask reaches are labelled (whole rows: a slice's rows are contiguous).
  const rows = e.y1 - e.y0 + 1
  for (let z = e.bottom; z <= e.top; z++) {
    const base = z * plane + e.y0 * X
    const out = work.subarray(base, base + rows * X)
    const rl = labelMask(mask.subarray(base, base + rows * X), [1, rows, X], { connectivity: 26, scratch: s })
    if (rl.count === 0) continue
    const sizes = runSizes(rl)
    const gas = new Float64Array(rl.count + 1)
    forEachRun(rl, (l, off, len) => {
      let n = 0
      for (let i = off; i < off + len; i++) if (image[base + i]! <= o.gasHu) n++
      gas[l]! += n
    })
    let anyGas = false
    forEachRun(rl, (l, off, len) => {
      if (2 * gas[l]! >= sizes[l]!) {
        out.fill(GAS, off, off + len)
        anyGas = true
      } else {
        out.fill(PARENCHYMA, off, off + len)
        high.fill(z, e.y0 * X + off, e.y0 * X + off + len)
      }
    })
    if (anyGas) gasSlices.push(z)
  }
  // Nothing to find unless some gas lies under a non-gas section (the lung is one): the common
  // case (no gas, or only the trachea, as in the tutorial's masks) ends here, without the 3-D
  // labelling.
  const beneath = gasSlices.some((z) => {
    const out = work.subarray(z * plane, (z + 1) * plane)
    for (let p = 0; p < plane; p++) if (out[p] === GAS && high[p]! > z) return true
    return false
  })
  if (!beneath) return result

  // Bodies of gas sections and bodies of the other sections (values never join).
  const rl = labelRuns(work, shape, { background: 0, connectivity: 26, scratch: s })
  const sizes = runSizes(rl)
  const isGas = new Uint8Array(rl.count + 1)
  let largest = 0
  forEachRun(rl, (l, off) => {
    if (work[off] === GAS) isGas[l] = 1
    else largest = Math.max(largest, sizes[l]!)
  })
  // The lung: bodies of non-gas sections of a real size. Small ones are partial-volume ends of
  // gas (a colon loop leaving the slab), judged by position like the gas.
  const lung = (l: number): boolean => !isGas[l] && sizes[l]! >= o.lungBodyFraction * largest
  // Lowest slice holding lung, per column (Z where none).
  const low = new Int32Array(plane).fill(Z)
  forEachRun(rl, (l, off, len) => {
    if (!lung(l)) return
    const z = Math.floor(off / plane)
    for (let p = off - z * plane; p < off - z * plane + len; p++) if (low[p] === Z) low[p] = z
  })
  const over = new Float64Array(rl.count + 1)
  const under = new Float64Array(rl.count + 1)
  forEachRun(rl, (l, off, len) => {
    if (lung(l)) return
    const z = Math.floor(off / plane)
    for (let p = off - z * plane; p < off - z * plane + len; p++) {
      const lo = low[p]!
      if (lo < z) over[l]!++
      else if (lo < Z) under[l]!++
    }
  })
  const minVoxels = (1000 * o.minBodyMl) / (spacing[0] * spacing[1] * spacing[2])
  const keep = new Uint8Array(rl.count + 1)
  for (let l = 1; l <= rl.count; l++) {
    if (lung(l)) continue
    if (sizes[l]! < minVoxels) continue
    if (over[l]! <= o.overSlack * sizes[l]! && under[l]! >= o.underFraction * sizes[l]!) {
      keep[l] = 1
      if (isGas[l]) result.bodies++
      result.voxels += sizes[l]!
    }
  }
  let top = -1
  forEachRun(rl, (l, off, len) => {
    work.fill(keep[l]!, off, off + len)
    if (keep[l]) top = Math.max(top, Math.floor(off / plane))
  })
  // The top of a bubble rises into the slices where the lung base rings the dome; there the gas
  // can touch the lung's section in-plane (partial volume, resampling) and its section is not
  // gas as a whole. Follow the gas up its own columns: pure gas straight above found gas is gas.
  // It stops at the diaphragm's partial-volume voxels, which are denser.
  for (let z = 1; z < Z && result.voxels > 0; z++) {
    if (z > top + 1) break
    const below = (z - 1) * plane
    const here = z * plane
    for (let p = 0; p < plane; p++) {
      if (work[below + p] !== 1 || work[here + p] === 1 || !mask[here + p] || image[here + p]! > o.gasHu) continue
      work[here + p] = 1
      result.voxels++
      top = Math.max(top, z)
    }
  }
  // The bubble's rim in those slices (wall and gas averaged, air-like) goes with it: one pixel
  // around the gas, in-plane, where the mask holds it. Marked 2 first so it does not grow on.
  for (let z = 0; z <= top && result.voxels > 0; z++) {
    const base = z * plane
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const i = base + y * X + x
        if (work[i] !== 0 || !mask[i]) continue
        let near = false
        for (let dy = -1; dy <= 1 && !near; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy
            const xx = x + dx
            if (yy >= 0 && yy < Y && xx >= 0 && xx < X && work[base + yy * X + xx] === 1) {
              near = true
              break
            }
          }
        if (near) work[i] = 2
      }
    for (let i = base; i < base + plane; i++)
      if (work[i] === 2) {
        work[i] = 1
        result.voxels++
      }
  }
  result.ml = (result.voxels * spacing[0] * spacing[1] * spacing[2]) / 1000
  return result
}
