/**
 * What a reviewer needs to judge a lung mask without opening it: its size, the left/right
 * balance, whether it touches the volume's sides, metal in the body, the tutorial's HU
 * histogram, and failure flags with the measured value, the threshold and a sentence.
 * Used on both modes' masks (in seed mode the flags judge the tutorial's own output).
 *
 * Orientation: volumes are [z][y][x] with DICOM's LPS axes and the usual axial orientation
 * (1\0\0\0\1\0), so x grows toward the patient's LEFT: the right lung is at low x.
 */
import type { Vec3 } from '../../shared/api'
import { LabelScratch, type RunLabelling, labelMask, labelRunTable, largestLabel, runSizes } from './connectedComponents'
import { findAbdominalGas } from './abdominalGas'
import { SEED_AIR_THRESHOLD_HU, type Shape3, checkShape } from './segmentLungs'
import { measureAirwaysMl } from './segmentLungsRobust'

/**
 * Flag thresholds, chosen from measurements of the fill masks of both modes on the phantoms
 * (128² × 60 at 2.5 × 2.5 × 5 mm as in test/segmentation.test.ts, and 358² × 375 at 1 mm) and on
 * the real scan A0002 (512² × 30, 0.65 × 0.65 × 8 mm). Each field says what was measured.
 */
export interface MaskFlagThresholds {
  /**
   * `tiny_mask` below this fill-mask fraction. Measured: normal chests 0.080–0.090 (phantoms,
   * both sizes and modes; the tutorial's is larger: it keeps the trachea), A0002 0.104–0.105;
   * one lung 0.045–0.050; the tutorial's failures (pacemaker and tracheostomy at 5 mm,
   * tracheostomy at 1 mm) 0.00000–0.00004. 0.02 is 2× under one lung, 500× over the failures.
   * @default 0.02
   */
  tinyMaskFraction: number
  /** HU above which a voxel is metal: above cortical bone (A0002's maximum is 1904 HU). @default 2500 */
  metalHu: number
  /**
   * `metal` when more than this much metal lies in the body, mL. Measured: 0 mL in every
   * phantom without a pacemaker and in A0002; the pacemaker (titanium can at 3071 HU, leads at
   * 2500 + noise) 12.2 mL at 2.5 × 2.5 × 5 mm, 11.4 mL at 1 mm. Undiluted IV contrast in the
   * superior vena cava is as dense (LIDC-IDRI-0001, contrast-enhanced, saturates at 3071 HU):
   * 0.076 mL per 2.5 mm slice, 1.1 mL in its 16-slice subset, about 3–4.5 mL over the 10–15 cm
   * of great veins a whole chest holds. 5 mL stays above a contrast bolus and under half a
   * pacemaker; a port or sternal wires alone (1–3 mL) are not flagged — they rarely break the
   * mask. @default 5
   */
  metalMl: number
  /**
   * `border_touching` when the mask covers more than this fraction of the volume's side faces
   * (x = 0, x = X−1, y = 0, y = Y−1, all slices). Measured: exactly 0 on every correct mask
   * (phantoms and A0002); the tutorial's mask under a table without field-of-view padding 0.40
   * at both sizes (the air under the table runs along the whole bottom and up the sides). The
   * threshold lets a lung graze the edge over a few slices pass silently. @default 0.001
   */
  borderFaceFraction: number
  /**
   * `one_lung` when the smaller lung holds less than this fraction of the larger. Measured:
   * normal phantoms 0.77–0.82 (the heart takes room on the left), A0002 0.70 (its right lung
   * is the smaller); one collapsed lung 0.000–0.002. Not raised for an empty mask. @default 0.35
   */
  lungBalance: number
  /**
   * `abdominal_gas` when more than this much of the mask is gas below the diaphragm
   * (abdominalGas.ts), mL. Measured: 0 on every chest phantom and on A0002 in both modes; the
   * tutorial's mask on the abdomen phantoms (stomach bubble joined to the left lung base through
   * a 2–3 mm diaphragm at 2.5–5 mm slices, colon gas) 186–265 mL; robust mode's 0 after its
   * fix. 5 mL is a bubble 2 cm across. @default 5
   */
  abdominalGasMl: number
  /**
   * `airways_in_mask` when the trachea and main bronchi in the mask exceed this, mL (robust
   * mode's airway tracking, measured without removing). Measured: the tutorial's masks 12–19 mL
   * on the phantoms (2.5–5 mm slices), 4.0 mL on A0002 (8 mm), 1.3 mL where it failed on the
   * pacemaker; robust mode's 0 everywhere. In seed mode it is raised on nearly every scan: the
   * tutorial keeps the trachea. @default 2
   */
  airwaysMl: number
}

export const MASK_FLAG_THRESHOLDS: MaskFlagThresholds = {
  tinyMaskFraction: 0.02,
  metalHu: 2500,
  metalMl: 5,
  borderFaceFraction: 0.001,
  lungBalance: 0.35,
  abdominalGasMl: 5,
  airwaysMl: 2,
}

export type MaskFlagCode = 'tiny_mask' | 'metal' | 'border_touching' | 'one_lung' | 'abdominal_gas' | 'airways_in_mask'

export interface MaskFlag {
  code: MaskFlagCode
  /** The measured value the threshold applies to. */
  value: number
  threshold: number
  /** One sentence for the reviewer. */
  message: string
}

export interface MaskStats {
  voxels: number
  maskVoxels: number
  /** Mask voxels / all voxels: the tutorial's own measure of a failed segmentation. */
  fraction: number
  volumeMl: number
  /** Patient-right (low x) and patient-left lung volumes, mL. */
  rightMl: number
  leftMl: number
  /** min(left, right) / max(left, right); 0 for an empty mask. */
  balance: number
  /** How the lungs were told apart: two large components, or a cut at the body's midline. */
  sideMethod: 'components' | 'midline'
  /** Column of the body's midline (mean x of the largest dense component). */
  midlineX: number
  /** Fraction of the side-face voxels covered by the mask. */
  borderFaceFraction: number
  /** Metal (HU above the threshold) inside the body, mL. */
  metalMl: number
  /** Gas below the diaphragm in the mask (stomach, colon), mL. */
  abdominalGasMl: number
  /** Trachea and main bronchi in the mask, mL. */
  airwaysMl: number
  flags: MaskFlag[]
}

export interface BodyMeasures {
  /** Column of the body's midline (mean x of the body's voxels). */
  midlineX: number
  /** Voxels of the body above the metal threshold. */
  metalVoxels: number
}

/**
 * Run tables sized for this many runs a row from the start: a chest's tissue has 1.5 a row
 * (P0001: 203 k runs in 134 k rows), a lung mask fewer. Growing by doubling instead copies the
 * tables five or six times, into fresh pages each time.
 */
const RUNS_PER_ROW = 2

/**
 * The body: the largest 26-connected dense (HU > −320) component; its midline and metal.
 * The runs are found on the image itself: no thresholded copy to write and read again.
 */
export function bodyMeasures(image: Int16Array, shape: Shape3, metalHu: number, s = new LabelScratch(RUNS_PER_ROW * shape[0] * shape[1])): BodyMeasures {
  checkShape(image, shape)
  const rl = labelRunTable(shape, denseRuns(image, shape, SEED_AIR_THRESHOLD_HU, s), s)
  return bodyOf(rl, null, 0, image, metalHu)
}

/**
 * {@link bodyMeasures} from a labelling someone already made of a thresholded image
 * (`values[i]` = `denseValue` where HU > −320; other values may be labelled too, as in the
 * tutorial's first labelling, whose components of each value are those of its own labelling).
 */
export function bodyFromLabelling(
  rl: RunLabelling,
  values: ArrayLike<number>,
  denseValue: number,
  image: Int16Array,
  metalHu: number,
): BodyMeasures {
  return bodyOf(rl, values, denseValue, image, metalHu)
}

/**
 * {@link bodyMeasures} from a labelling of the air (HU ≤ −320, as robust mode's
 * labelRunsAtOrBelow makes first): the dense runs are the gaps between its runs in each row, so
 * the image is read only for metal, inside the body. Only the air's runs are used, not its
 * labels. `s` must not be the scratch holding the air's runs.
 */
export function bodyFromAirRuns(
  air: RunLabelling,
  image: Int16Array,
  metalHu: number,
  // A row has at most one more gap than runs: no growing.
  s = new LabelScratch(air.runs + air.shape[0] * air.shape[1]),
): BodyMeasures {
  const [Z, Y, X] = air.shape
  checkShape(image, air.shape)
  const rows = Z * Y
  if (s.rowFirst.length < rows + 1) s.rowFirst = new Int32Array(rows + 1)
  const rowFirst = s.rowFirst
  let start = s.start
  let end = s.end
  let runs = 0
  for (let row = 0; row < rows; row++) {
    rowFirst[row] = runs
    let x = 0
    for (let r = air.rowFirst[row]!, re = air.rowFirst[row + 1]!; r <= re; r++) {
      const to = r < re ? air.start[r]! - 1 : X - 1
      if (to >= x) {
        if (runs === start.length) {
          s.grow()
          start = s.start
          end = s.end
        }
        start[runs] = x
        end[runs] = to
        runs++
      }
      if (r < re) x = air.end[r]! + 1
    }
  }
  rowFirst[rows] = runs
  return bodyOf(labelRunTable(air.shape, runs, s), null, 0, image, metalHu)
}

/** The body of a labelling; every component is dense when `values` is null. */
function bodyOf(rl: RunLabelling, values: ArrayLike<number> | null, denseValue: number, image: Int16Array, metalHu: number): BodyMeasures {
  const X = rl.shape[2]
  const rows = rl.shape[0] * rl.shape[1]
  const { rowFirst, start, end, label } = rl
  const sizes = runSizes(rl)
  let dense: Uint8Array | null = null
  if (values) {
    dense = new Uint8Array(rl.count + 1)
    for (let row = 0; row < rows; row++)
      for (let r = rowFirst[row]!, re = rowFirst[row + 1]!; r < re; r++) if (values[row * X + start[r]!] === denseValue) dense[label[r]!] = 1
  }
  // Ties go to the lowest label, as largestLabel's: the raster order of dense components is
  // the same whether or not the other value is labelled too.
  let body = 0
  for (let l = 1; l <= rl.count; l++) if ((!dense || dense[l]) && (body === 0 || sizes[l]! > sizes[body]!)) body = l
  let n = 0
  let sx = 0
  let metal = 0
  for (let row = 0; row < rows; row++)
    for (let r = rowFirst[row]!, re = rowFirst[row + 1]!; r < re; r++) {
      if (label[r] !== body) continue
      const x0 = start[r]!
      const len = end[r]! - x0 + 1
      n += len
      sx += len * x0 + (len * (len - 1)) / 2
      for (let i = row * X + x0, e = i + len; i < e; i++) if (image[i]! > metalHu) metal++
    }
  return { midlineX: n ? sx / n : (X - 1) / 2, metalVoxels: metal }
}

/**
 * Runs of voxels above `above` along x, into the scratch's start/end tables and rowFirst
 * (rowFirst[row]..rowFirst[row + 1] − 1 are the runs of row z·Y + y). Returns the run count.
 */
function denseRuns(image: Int16Array, [Z, Y, X]: Shape3, above: number, s: LabelScratch): number {
  const rows = Z * Y
  if (s.rowFirst.length < rows + 1) s.rowFirst = new Int32Array(rows + 1)
  const rowFirst = s.rowFirst
  let start = s.start
  let end = s.end
  let runs = 0
  for (let row = 0, off = 0; row < rows; row++, off += X) {
    rowFirst[row] = runs
    const stop = off + X
    let i = off
    while (i < stop) {
      if (image[i]! <= above) {
        i++
        continue
      }
      const i0 = i++
      while (i < stop && image[i]! > above) i++
      if (runs === start.length) {
        s.grow()
        start = s.start
        end = s.end
      }
      start[runs] = i0 - off
      end[runs] = i - 1 - off
      runs++
    }
  }
  rowFirst[rows] = runs
  return runs
}

export interface KnownMeasures {
  /** The body's measures when the caller has them (from the segmentation's own labelling). */
  body?: BodyMeasures
  /** Working buffer of the voxel count, any content; allocated when needed and absent. */
  scratch?: Uint8Array
  /** The mask is one connected component (the seed mode's is, by construction). */
  oneComponent?: boolean
  /** Abdominal gas in the mask, mL, when the caller has just measured this very mask. */
  abdominalGasMl?: number
}

/** Left/right volumes in voxels: by the two large components when there are two, else at x = midline. */
function sides(rl: RunLabelling, midlineX: number, oneComponent: boolean) {
  if (oneComponent) return midlineSides(rl, midlineX)
  const { shape, rowFirst, start, end, label } = rl
  const rows = shape[0] * shape[1]
  const sizes = runSizes(rl)
  const first = largestLabel(sizes)
  let second = 0
  for (let l = 1; l <= rl.count; l++) if (l !== first && (second === 0 || sizes[l]! > sizes[second]!)) second = l
  let right = 0
  let left = 0
  // Two lungs are two components when no airway joins them; a second component of at least a
  // fifth of the first is a lung (as in segmentLungsRobust), smaller ones are airway stubs.
  if (second !== 0 && sizes[second]! >= 0.2 * sizes[first]!) {
    const sx = new Float64Array(rl.count + 1)
    for (let row = 0; row < rows; row++)
      for (let r = rowFirst[row]!, re = rowFirst[row + 1]!; r < re; r++) {
        const len = end[r]! - start[r]! + 1
        sx[label[r]!]! += len * start[r]! + (len * (len - 1)) / 2
      }
    const side = (l: number): number => (sx[l]! / sizes[l]! < midlineX ? -1 : 1)
    for (let l = 1; l <= rl.count; l++) {
      if (l !== first && l !== second) continue
      if (side(l) < 0) right += sizes[l]!
      else left += sizes[l]!
    }
    if (side(first) !== side(second)) return { right, left, method: 'components' as const }
  }
  return midlineSides(rl, midlineX)
}

/** Mask voxels left and right of x = ceil(midline), from the mask's runs. */
function midlineSides({ runs, start, end }: RunLabelling, midlineX: number) {
  let right = 0
  let left = 0
  const cut = Math.ceil(midlineX)
  for (let r = 0; r < runs; r++) {
    const x0 = start[r]!
    const x1 = end[r]!
    const r1 = Math.min(x1 + 1, Math.max(cut, x0))
    right += r1 - x0
    left += x1 + 1 - r1
  }
  return { right, left, method: 'midline' as const }
}

function borderFaceFraction(mask: Uint8Array, [Z, Y, X]: Shape3): number {
  let hit = 0
  for (let z = 0; z < Z; z++) {
    const base = z * Y * X
    for (let x = 0; x < X; x++) hit += mask[base + x]! + mask[base + (Y - 1) * X + x]!
    for (let y = 1; y < Y - 1; y++) hit += mask[base + y * X]! + mask[base + y * X + X - 1]!
  }
  const face = Z * (Y > 1 ? 2 * X + 2 * (Y - 2) : X)
  return face ? hit / face : 0
}

/** Statistics and flags of a (fill) lung mask over its HU image. */
export function maskStats(
  image: Int16Array,
  mask: Uint8Array,
  shape: Shape3,
  spacing: Readonly<Vec3>,
  thresholds: MaskFlagThresholds = MASK_FLAG_THRESHOLDS,
  known: KnownMeasures = {},
): MaskStats {
  checkShape(image, shape)
  checkShape(mask, shape)
  const s = new LabelScratch(RUNS_PER_ROW * shape[0] * shape[1])
  const voxelMl = (spacing[0] * spacing[1] * spacing[2]) / 1000
  const { midlineX, metalVoxels } = known.body ?? bodyMeasures(image, shape, thresholds.metalHu, s)
  // The mask's runs once: its size, its sides and its components all come from them.
  const rl = labelMask(mask, shape, { connectivity: 26, scratch: s })
  let n = 0
  for (let r = 0; r < rl.runs; r++) n += rl.end[r]! - rl.start[r]! + 1
  const lr = sides(rl, midlineX, known.oneComponent ?? false)
  const abdominalGasMl =
    known.abdominalGasMl ?? findAbdominalGas(image, mask, shape, spacing, known.scratch ?? new Uint8Array(mask.length), {}, s).ml
  const stats: MaskStats = {
    voxels: mask.length,
    maskVoxels: n,
    fraction: n / mask.length,
    volumeMl: n * voxelMl,
    rightMl: lr.right * voxelMl,
    leftMl: lr.left * voxelMl,
    balance: Math.max(lr.left, lr.right) > 0 ? Math.min(lr.left, lr.right) / Math.max(lr.left, lr.right) : 0,
    sideMethod: lr.method,
    midlineX,
    borderFaceFraction: borderFaceFraction(mask, shape),
    metalMl: metalVoxels * voxelMl,
    abdominalGasMl,
    airwaysMl: measureAirwaysMl(mask, shape, spacing, midlineX),
    flags: [],
  }
  stats.flags = maskFlags(stats, thresholds)
  return stats
}

const pct = (v: number): string => `${(100 * v).toFixed(v < 0.01 ? 3 : 1)} %`

/** The flags of a set of statistics, in a fixed order. */
export function maskFlags(st: MaskStats, t: MaskFlagThresholds = MASK_FLAG_THRESHOLDS): MaskFlag[] {
  const flags: MaskFlag[] = []
  if (st.fraction < t.tinyMaskFraction)
    flags.push({
      code: 'tiny_mask',
      value: st.fraction,
      threshold: t.tinyMaskFraction,
      message: `The lung mask is ${pct(st.fraction)} of the volume (${st.volumeMl.toFixed(0)} mL), under ${pct(t.tinyMaskFraction)}: the segmentation most likely kept the wrong air pocket (outside air joined to a lung through metal streaks or a tube). Check it, or exclude the mask.`,
    })
  if (st.metalMl > t.metalMl)
    flags.push({
      code: 'metal',
      value: st.metalMl,
      threshold: t.metalMl,
      message: `${st.metalMl.toFixed(1)} mL above ${t.metalHu} HU inside the body (a pacemaker, prosthesis or other metal, or an undiluted contrast bolus): streak artefacts may have joined air pockets; check the mask near it.`,
    })
  if (st.borderFaceFraction > t.borderFaceFraction)
    flags.push({
      code: 'border_touching',
      value: st.borderFaceFraction,
      threshold: t.borderFaceFraction,
      message: `The lung mask covers ${pct(st.borderFaceFraction)} of the volume's sides: lungs never reach the edge of the image, so this is most likely air outside the patient (under a table) or a lung cut by the field of view.`,
    })
  // A tiny mask's two sides are noise (a few air pockets, a head scan): tiny_mask says all
  // there is to say. One real lung is 2× over the tiny threshold.
  if (st.fraction >= t.tinyMaskFraction && st.balance < t.lungBalance)
    flags.push({
      code: 'one_lung',
      value: st.balance,
      threshold: t.lungBalance,
      message: `The smaller lung is ${pct(st.balance)} of the larger (right ${st.rightMl.toFixed(0)} mL, left ${st.leftMl.toFixed(0)} mL): one lung is collapsed, missing from the mask, or lost to the other's segmentation.`,
    })
  if (st.abdominalGasMl > t.abdominalGasMl)
    flags.push({
      code: 'abdominal_gas',
      value: st.abdominalGasMl,
      threshold: t.abdominalGasMl,
      message: `${st.abdominalGasMl.toFixed(0)} mL of the lung mask is gas below the diaphragm (stomach or colon), joined to a lung base through a thin diaphragm: it is not lung. Robust mode removes it; exclude or fix the mask.`,
    })
  if (st.airwaysMl > t.airwaysMl)
    flags.push({
      code: 'airways_in_mask',
      value: st.airwaysMl,
      threshold: t.airwaysMl,
      message: `The lung mask holds ${st.airwaysMl.toFixed(0)} mL of trachea and main bronchi: airways, not lung. Robust mode removes them; lung volumes from this mask are too large.`,
    })
  return flags
}

export interface Histogram {
  /** bins + 1 edges, as numpy.histogram returns them. */
  edges: Float64Array
  counts: Float64Array
  /** The count of every int16 value (index = HU + 32768), which the bins are made from. */
  perValue: Float64Array
}

/**
 * `numpy.histogram(image.ravel(), bins)` (numpy 1.24), what the tutorial plots with
 * `plt.hist(hu.flatten(), bins=80)`: equal bins from min to max, edges from
 * `linspace(min, max, bins + 1)` (i·step + min, the last edge exactly max), the last bin closed
 * on the right, the others half-open. The bin of each value is computed numpy's way, including
 * its ±1 correction against the edges, once per distinct int16 value.
 */
export function huHistogram(image: Int16Array, bins = 80): Histogram {
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`huHistogram: bins must be a positive integer, got ${bins}`)
  const counts = new Float64Array(bins)
  // One pass: a count per int16 value; the range comes from the table, not a second pass.
  const perValue = countValues(image)
  let lo = 0
  let hi = 1 // numpy's range for an empty array
  if (image.length > 0) {
    let k = 0
    while (perValue[k] === 0) k++
    lo = k - 32768
    k = 65535
    while (perValue[k] === 0) k--
    hi = k - 32768
  }
  let first = lo
  let last = hi
  if (first === last) {
    first -= 0.5
    last += 0.5
  }
  const step = (last - first) / bins
  const edges = new Float64Array(bins + 1)
  for (let i = 0; i <= bins; i++) edges[i] = i * step + first
  edges[bins] = last
  if (image.length === 0) return { edges, counts, perValue }
  const norm = bins / (last - first)
  for (let k = lo + 32768; k <= hi + 32768; k++) {
    if (perValue[k] === 0) continue
    const v = k - 32768
    let idx = Math.trunc((v - first) * norm)
    if (idx === bins) idx--
    if (v < edges[idx]!) idx--
    if (v >= edges[idx + 1]! && idx !== bins - 1) idx++
    counts[idx]! += perValue[k]!
  }
  return { edges, counts, perValue }
}

/** Voxels per int16 value, index = value + 32768. */
function countValues(image: Int16Array): Float64Array {
  const perValue = new Float64Array(65536)
  const n = image.length
  // Int32 counts overflow past 2³¹ voxels of one value: such a volume takes the plain count.
  if (n >= 2 ** 31) {
    for (let i = 0; i < n; i++) perValue[image[i]! + 32768]!++
    return perValue
  }
  // Four tables, one per voxel of each group of four: neighbouring voxels mostly share a value
  // (air, soft tissue), and increments of one counter wait for each other; spread over four
  // they do not, and int32 increments are cheaper than float64's. Half the time of one table.
  const q = new Int32Array(4 * 65536)
  let i = 0
  for (; i + 3 < n; i += 4) {
    q[image[i]! + 32768]!++
    q[image[i + 1]! + 98304]!++
    q[image[i + 2]! + 163840]!++
    q[image[i + 3]! + 229376]!++
  }
  for (; i < n; i++) q[image[i]! + 32768]!++
  for (let k = 0; k < 65536; k++) perValue[k] = q[k]! + q[k + 65536]! + q[k + 131072]! + q[k + 196608]!
  return perValue
}
