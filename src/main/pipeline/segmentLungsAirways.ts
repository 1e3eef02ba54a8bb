/**
 * Robust mode: take the trachea and the main bronchi out of a lung mask.
 *
 * The tutorial's mask keeps them (they are air joined to the lungs); the ground truth and the
 * clinical notion of "lung" do not. Two properties set them apart, and both are needed:
 * - thickness: the trachea is a tube of radius 7–13 mm in adults, main bronchi are thinner,
 *   while a lung's cross-section is several centimetres across. A component of an axial slice
 *   is "thick" when a disk of `radiusMm` fits inside it (on the filled mask, so vessels do not
 *   thin the lung). In-plane, not a 3-D ball: a disk fits wherever a ball does, so the test
 *   calls lung earlier, and it costs a 2-D distance map of the tracked slices only;
 * - being outside the lung: in an axial slice the trachea and a main bronchus are components
 *   of their own, walled off from the parenchyma, until the bronchus enters the lung at the
 *   hilum. A 3-D "thin part" (what an opening removes) is not enough: it runs on from a bronchus
 *   into the slivers of lung along the mediastinum and the diaphragm (tried: on the 1 mm phantom
 *   it took 146 000 lung voxels, down to the lung base), which in 2-D belong to a thick
 *   cross-section.
 * So the airway is tracked slice by slice from the top: the seed is every thin component of the
 * top slice near the body's midline (the trachea is the highest air of the lung component: it
 * runs on above the apices; a tracheostomy's lumen comes with it), and below, every thin
 * component overlapping last slice's airway (widened by `toleranceMm` for oblique bronchi). A
 * branch ends where its component is thick: it has joined the lung. Known limit: when the carina
 * itself lies in a slice where a bronchus already touches its lung, tracking stops there and
 * the lungs stay joined through that slice (the seed-2 normal phantom at 5 mm); left/right
 * statistics then split at the midline instead.
 */
import type { Vec3 } from '../../shared/api'
import { LabelScratch, forEachRun, labelMask } from './connectedComponents'
import { squaredDistanceTransform } from './distanceTransform'
import { ballLimit } from './morphology'
import type { Shape3 } from './segmentLungs'

export interface AirwayOptions {
  /** Radius of the ball that fits in lung but not in an airway, mm: above the trachea's. */
  radiusMm: number
  /** How far from the body's midline the trachea's top may be, mm. */
  maxOffsetMm: number
  /** In-plane slack when following a branch from one slice to the next, mm. */
  toleranceMm: number
  /**
   * Only measure: find the airway and count it, leave the masks as they are (the
   * `airways_in_mask` flag on any mask, the tutorial's included). @default false
   */
  measureOnly?: boolean
  /**
   * `maskExtent(fill)`, exactly, when the caller has it already (robust mode, from its runs);
   * null for an empty mask. Found here when absent.
   */
  extent?: MaskExtent | null
}

export interface AirwayResult {
  /** Voxels taken out of the filled mask. */
  removedVoxels: number
  /** Highest and lowest slice of the removed airway, or null when none was found. */
  topSlice: number | null
  bottomSlice: number | null
}

/** Lowest and highest slice of a mask, and the bounding box of its voxels in y and x. */
export interface MaskExtent {
  bottom: number
  top: number
  y0: number
  y1: number
  x0: number
  x1: number
}

/** Bounding box of the mask's voxels in y and x, and its lowest and highest slice; null when empty. */
export function maskExtent(mask: Uint8Array, [, Y, X]: Shape3): MaskExtent | null {
  let top = -1
  let bottom = -1
  let [y0, y1, x0, x1] = [Y, -1, X, -1]
  // From set voxel to set voxel with the native search: a 48 M-voxel mask is mostly empty rows.
  for (let pos = mask.indexOf(1); pos >= 0; pos = mask.indexOf(1, pos)) {
    const row = Math.floor(pos / X)
    const rowEnd = (row + 1) * X
    // Searching back from the row's end stops at pos at the latest (mask[pos] is 1).
    const last = mask.lastIndexOf(1, rowEnd - 1)
    const y = row % Y
    top = (row - y) / Y
    if (bottom < 0) bottom = top
    if (y < y0) y0 = y
    if (y > y1) y1 = y
    if (pos % X < x0) x0 = pos % X
    if (last % X > x1) x1 = last % X
    pos = rowEnd
  }
  return top < 0 ? null : { bottom, top, y0, y1, x0, x1 }
}

/**
 * Square dilation of a 0/1 slice by `k` pixels, separable; each pass keeps the distance to the
 * last set pixel in both directions, so the cost does not depend on k.
 */
function dilateSquare(src: Uint8Array, dst: Uint8Array, tmp: Uint8Array, Y: number, X: number, k: number): void {
  const pass = (a: Uint8Array, b: Uint8Array, lines: number, n: number, line: number, step: number): void => {
    for (let l = 0; l < lines; l++) {
      const base = l * line
      let last = -Infinity
      for (let i = 0; i < n; i++) {
        if (a[base + i * step]) last = i
        b[base + i * step] = i - last <= k ? 1 : 0
      }
      last = Infinity
      for (let i = n - 1; i >= 0; i--) {
        if (a[base + i * step]) last = i
        if (last - i <= k) b[base + i * step] = 1
      }
    }
  }
  pass(src, tmp, Y, X, X, 1) // rows
  pass(tmp, dst, X, Y, 1, X) // columns
}

/**
 * {@link dilateSquare} when `src` is 0 outside the box [y0, y1, x0, x1]: only the box grown by
 * `k` can be set, so only that part of the slice is computed (the airway's few hundred pixels
 * instead of the lungs' whole bounding box) and the rest of `dst` is cleared.
 */
function dilateBox(src: Uint8Array, dst: Uint8Array, tmp: Uint8Array, box: Int32Array, Y: number, X: number, k: number): void {
  dst.fill(0)
  if (box[1]! < 0) return
  const y0 = Math.max(0, box[0]! - k)
  const y1 = Math.min(Y - 1, box[1]! + k)
  const x0 = Math.max(0, box[2]! - k)
  const x1 = Math.min(X - 1, box[3]! + k)
  const h = y1 - y0 + 1
  const w = x1 - x0 + 1
  const a = tmp.subarray(0, h * w)
  for (let y = 0; y < h; y++) a.set(src.subarray((y0 + y) * X + x0, (y0 + y) * X + x0 + w), y * w)
  const b = new Uint8Array(h * w)
  dilateSquare(a, b, new Uint8Array(h * w), h, w, k)
  for (let y = 0; y < h; y++) dst.set(b.subarray(y * w, (y + 1) * w), (y0 + y) * X + x0)
}

/**
 * Removes the airway from `fill` and `noFill` (0/1, in place). `midlineX` is the body's midline
 * as a (fractional) column index.
 */
export function removeAirways(
  fill: Uint8Array,
  noFill: Uint8Array,
  shape: Shape3,
  spacing: Readonly<Vec3>,
  midlineX: number,
  opts: AirwayOptions,
  scratch: LabelScratch = new LabelScratch(),
): AirwayResult {
  const result: AirwayResult = { removedVoxels: 0, topSlice: null, bottomSlice: null }
  const e = opts.extent === undefined ? maskExtent(fill, shape) : opts.extent
  if (!e) return result
  const [, Y, X] = shape
  // Work on the mask's y/x bounding box plus a one-voxel empty margin, so the in-plane distance
  // map sees background beyond the mask's edge even where the mask reaches the volume's side.
  const by = e.y1 - e.y0 + 3
  const bx = e.x1 - e.x0 + 3
  const plane = by * bx
  const slice = new Uint8Array(plane)
  const dist = new Float32Array(plane)
  const prev = new Uint8Array(plane)
  const near = new Uint8Array(plane)
  const tmp = new Uint8Array(plane)
  const crop = new Uint8Array(plane)
  // Rows y0..y1 and columns x0..x1 holding last slice's airway (y1 < 0: none).
  const prevBox = new Int32Array(4).fill(-1)
  const limit = ballLimit(opts.radiusMm)
  const marginY = Math.ceil(Math.sqrt(limit) / spacing[1]) + 1
  const marginX = Math.ceil(Math.sqrt(limit) / spacing[2]) + 1
  const tolerance = Math.round(opts.toleranceMm / Math.min(spacing[1], spacing[2]))
  const volumeIndex = (z: number, i: number): number => {
    const x = i % bx
    return (z * Y + e.y0 - 1 + (i - x) / bx) * X + e.x0 - 1 + x
  }
  for (let z = e.top; z >= 0; z--) {
    for (let y = 1; y < by - 1; y++) {
      const from = (z * Y + e.y0 + y - 1) * X + e.x0
      slice.set(fill.subarray(from, from + bx - 2), y * bx + 1)
    }
    const rl = labelMask(slice, [1, by, bx], { connectivity: 26, scratch })
    const thick = new Uint8Array(rl.count + 1)
    const hit = new Uint8Array(rl.count + 1)
    const sumX = new Float64Array(rl.count + 1)
    const size = new Float64Array(rl.count + 1)
    if (z < e.top) dilateBox(prev, near, tmp, prevBox, by, bx, tolerance)
    forEachRun(rl, (l, off, len) => {
      size[l]! += len
      sumX[l]! += len * (e.x0 - 1 + (off % bx) + (len - 1) / 2)
      if (z < e.top && !hit[l]) for (let i = off; i < off + len; i++) if (near[i]) hit[l] = 1
    })
    const candidate = (l: number): boolean =>
      z === e.top ? Math.abs(sumX[l]! / size[l]! - midlineX) * spacing[2] <= opts.maxOffsetMm : hit[l] === 1
    // Thick: a disk of the radius fits in the slice's mask (in-plane distance to background).
    // Only candidates need it, so the distance map covers their box grown by the radius: a
    // background pixel within the radius of a candidate voxel lies inside that box, so the
    // answer is the whole slice's (outside the box counts as mask, which can only make a
    // farther distance farther: thick either way).
    let [cy0, cy1, cx0, cx1] = [by, -1, bx, -1]
    forEachRun(rl, (l, off, len) => {
      if (!candidate(l)) return
      const x = off % bx
      const y = (off - x) / bx
      cy0 = Math.min(cy0, y)
      cy1 = Math.max(cy1, y)
      cx0 = Math.min(cx0, x)
      cx1 = Math.max(cx1, x + len - 1)
    })
    if (cy1 >= 0) {
      const y0 = Math.max(0, cy0 - marginY)
      const x0 = Math.max(0, cx0 - marginX)
      const ch = Math.min(by - 1, cy1 + marginY) - y0 + 1
      const cw = Math.min(bx - 1, cx1 + marginX) - x0 + 1
      const box = crop.subarray(0, ch * cw)
      for (let y = 0; y < ch; y++) box.set(slice.subarray((y0 + y) * bx + x0, (y0 + y) * bx + x0 + cw), y * cw)
      const d = dist.subarray(0, ch * cw)
      squaredDistanceTransform(box, [1, ch, cw], spacing, { target: 'background', out: d })
      forEachRun(rl, (l, off, len) => {
        if (thick[l] || !candidate(l)) return
        const x = off % bx
        const at = ((off - x) / bx - y0) * cw + x - x0
        for (let k = 0; k < len; k++) if (d[at + k]! > limit) thick[l] = 1
      })
    }
    const isAirway = (l: number): boolean => candidate(l) && !thick[l]
    prev.fill(0)
    prevBox.fill(-1)
    let parts = 0
    forEachRun(rl, (l, off, len) => {
      if (!isAirway(l)) return
      prev.fill(1, off, off + len)
      const x = off % bx
      const y = (off - x) / bx
      if (prevBox[1]! < 0) [prevBox[0], prevBox[2]] = [y, x]
      prevBox[1] = y
      prevBox[2] = Math.min(prevBox[2]!, x)
      prevBox[3] = Math.max(prevBox[3]!, x + len - 1)
      if (!opts.measureOnly) {
        const v = volumeIndex(z, off)
        fill.fill(0, v, v + len)
        noFill.fill(0, v, v + len)
      }
      result.removedVoxels += len
      parts++
    })
    if (parts === 0) break
    result.topSlice ??= z
    result.bottomSlice = z
  }
  return result
}
