/**
 * Connected-component labelling with `skimage.measure.label` semantics (scikit-image 0.19):
 * voxels are connected when they are neighbours under the chosen connectivity AND hold the same
 * value, so a multi-valued image gets one component per connected patch of each value; voxels
 * equal to `background` get label 0; components are numbered 1..n in raster (C) order of their
 * first voxel. The tutorial relies on all three: it labels an image of 1s and 2s (no zeros, so
 * every voxel is labelled), reads `labels[0, 0, 0]`, and breaks size ties by the lowest label.
 *
 * Algorithm: union-find over scanline runs. Each row (z, y) is cut into maximal runs of equal,
 * non-background values along x; each run is joined to the runs of the already-visited
 * neighbour rows whose x-range it touches. Parents always point to a lower run index, so the
 * root of a component is its first run in raster order, which is what makes the final numbering
 * a single forward pass. No recursion, no per-voxel objects: a few Int32Arrays sized by the
 * number of runs (typically 10–100 per row on CT), grown by doubling.
 */

export type LabelInput = Uint8Array | Int8Array | Int16Array | Int32Array

export interface LabelResult {
  /** One label per voxel, C order; 0 for background, components 1..count. */
  labels: Int32Array
  count: number
}

export interface Label3dOptions {
  /** 6 (faces), 18 (faces + edges), 26 (full; skimage's default `connectivity=3`). @default 26 */
  connectivity?: 6 | 18 | 26
  /**
   * Value that is not labelled (label 0). `null` labels every voxel. Note skimage's own
   * `background=None` means 0; callers that mean "no background" must pass `null` here.
   * @default 0
   */
  background?: number | null
  /** Reused output buffer (length = voxel count); allocated when absent. */
  out?: Int32Array
  /** Reused run tables, for callers that label many slices or volumes. */
  scratch?: LabelScratch
}

export interface Label2dOptions {
  /** 4 or 8 (full; skimage's default `connectivity=2`). @default 8 */
  connectivity?: 4 | 8
  /** See {@link Label3dOptions.background}. @default 0 */
  background?: number | null
  out?: Int32Array
  scratch?: LabelScratch
}

/** Run tables: start x, end x (inclusive), value, union-find parent. Grown by doubling. */
export class LabelScratch {
  start: Int32Array
  end: Int32Array
  value: Int32Array
  parent: Int32Array
  rowFirst: Int32Array = new Int32Array(1)

  /**
   * @param runs room for this many runs before the first growth. A caller that knows its
   *   volume's rough count saves the copies of every doubling (tens of ms on a fresh process
   *   labelling 48 M voxels: each copy writes new, untouched pages). @default 4096
   */
  constructor(runs = 4096) {
    // Never 0: growth doubles.
    const n = Math.max(16, runs)
    this.start = new Int32Array(n)
    this.end = new Int32Array(n)
    this.value = new Int32Array(n)
    this.parent = new Int32Array(n)
  }

  grow(): void {
    const n = this.start.length * 2
    const copy = (a: Int32Array): Int32Array => {
      const b = new Int32Array(n)
      b.set(a)
      return b
    }
    this.start = copy(this.start)
    this.end = copy(this.end)
    this.value = copy(this.value)
    this.parent = copy(this.parent)
  }
}

/**
 * Neighbour rows already visited, as [dz, dy, dx-reach]: a run [s, e] touches a run [s', e'] of
 * that row when s' ≤ e + reach and e' ≥ s − reach. Only "earlier" rows are listed; later rows
 * find this one in their turn.
 */
const NEIGHBOUR_ROWS: Record<6 | 18 | 26, ReadonlyArray<readonly [number, number, number]>> = {
  6: [
    [0, -1, 0],
    [-1, 0, 0],
  ],
  // 18: offsets with at most two non-zero coordinates, so (dz, dy) = (-1, ±1) allows dx = 0 only.
  18: [
    [0, -1, 1],
    [-1, 0, 1],
    [-1, -1, 0],
    [-1, 1, 0],
  ],
  26: [
    [0, -1, 1],
    [-1, -1, 1],
    [-1, 0, 1],
    [-1, 1, 1],
  ],
}

/** The root of i in a union-find forest over runs (parents always lower). */
export function find(parent: Int32Array, i: number): number {
  // Path halving: every visited node skips to its grandparent, keeping trees shallow.
  while (parent[i] !== i) {
    const g = parent[parent[i]!]!
    parent[i] = g
    i = g
  }
  return i
}

/**
 * First index in [i, end) of `bytes` (a view at `byteOff` into the buffer that `words` views
 * whole) whose value is not 0, or `end`.
 */
function nextNonZero(bytes: LabelInput, words: Uint32Array, byteOff: number, i: number, end: number): number {
  while (i < end && ((i + byteOff) & 3) !== 0) {
    if (bytes[i] !== 0) return i
    i++
  }
  if (i >= end) return end
  // Words wholly before `end`: w < wEnd.
  let w = (i + byteOff) / 4
  const wEnd = Math.floor((end + byteOff) / 4)
  while (w < wEnd && words[w] === 0) w++
  i = Math.max(i, w * 4 - byteOff)
  while (i < end && bytes[i] === 0) i++
  return i
}

/**
 * Components as runs: what {@link labelRuns} returns. The arrays are views of the scratch
 * tables, valid until the scratch is used again. Run `r` covers x = start[r]..end[r] of row
 * `row` (row = z·Y + y) for rowFirst[row] ≤ r < rowFirst[row + 1], and belongs to label[r].
 */
export interface RunLabelling {
  shape: readonly [number, number, number]
  runs: number
  count: number
  rowFirst: Int32Array
  start: Int32Array
  end: Int32Array
  label: Int32Array
}

/**
 * The labelling without the voxel array: callers that only need sizes, one component, or a mask
 * (the lung segmentation) skip writing 4 bytes per voxel, which on a 48 M-voxel volume costs
 * more than the labelling itself.
 */
export function labelRuns(
  img: LabelInput,
  shape: readonly [number, number, number],
  opts: Omit<Label3dOptions, 'out'> = {},
): RunLabelling {
  const [Z, Y, X] = shape
  if (img.length !== Z * Y * X) throw new RangeError(`label3d: ${img.length} voxels for shape [${shape.join(', ')}]`)
  const conn = opts.connectivity ?? 26
  const nbRows = NEIGHBOUR_ROWS[conn]
  if (!nbRows) throw new RangeError(`label3d: connectivity must be 6, 18 or 26, got ${conn}`)
  const bg = opts.background === undefined ? 0 : opts.background
  const hasBg = bg !== null
  const s = opts.scratch ?? new LabelScratch()
  const rows = Z * Y
  if (s.rowFirst.length < rows + 1) s.rowFirst = new Int32Array(rows + 1)
  const rowFirst = s.rowFirst
  let runs = 0
  // A byte mask with background 0 (lung masks, the gas check's classes) is mostly zero rows:
  // those are crossed four voxels per read.
  const words = bg === 0 && img instanceof Uint8Array ? new Uint32Array(img.buffer, 0, Math.floor(img.buffer.byteLength / 4)) : null
  const byteOff = img.byteOffset

  for (let z = 0; z < Z; z++) {
    for (let y = 0; y < Y; y++) {
      const row = z * Y + y
      const off = row * X
      const first = runs
      rowFirst[row] = first
      let x = 0
      while (x < X) {
        const v = img[off + x]!
        if (hasBg && v === bg) {
          x = words ? nextNonZero(img, words, byteOff, off + x + 1, off + X) - off : x + 1
          continue
        }
        const x0 = x++
        while (x < X && img[off + x] === v) x++
        if (runs === s.start.length) s.grow()
        s.start[runs] = x0
        s.end[runs] = x - 1
        s.value[runs] = v
        s.parent[runs] = runs
        runs++
      }
      const { start, end, value, parent } = s
      for (const [dz, dy, reach] of nbRows) {
        const ny = y + dy
        const nz = z + dz
        if (ny < 0 || ny >= Y || nz < 0) continue
        const nrow = nz * Y + ny
        let p = rowFirst[nrow]!
        const pEnd = rowFirst[nrow + 1]!
        for (let r = first; r < runs && p < pEnd; r++) {
          const lo = start[r]! - reach
          const hi = end[r]! + reach
          while (p < pEnd && end[p]! < lo) p++
          // p stays on the first run that may still touch the next (further right) run.
          for (let q = p; q < pEnd && start[q]! <= hi; q++) {
            if (value[q] !== value[r]) continue
            const a = find(parent, q)
            const b = find(parent, r)
            if (a < b) parent[b] = a
            else if (b < a) parent[a] = b
          }
        }
      }
      rowFirst[row + 1] = runs
    }
  }

  // Final numbering. parent[i] ≤ i always (links go to the lower root, halving keeps that), so
  // one forward pass suffices: a root gets the next label, any other run its parent's label,
  // which is already final. The value table is no longer needed and holds the labels.
  const { parent } = s
  const label = s.value
  let count = 0
  for (let i = 0; i < runs; i++) {
    const p = parent[i]!
    label[i] = p === i ? ++count : label[p]!
  }
  return { shape, runs, count, rowFirst, start: s.start, end: s.end, label }
}

/**
 * Joins the runs first..runs−1 of row (z, y) to the runs of its already-visited neighbour rows,
 * for inputs of one value (no value test): the binary labellings below.
 */
function joinBinaryRow(
  s: LabelScratch,
  nbRows: ReadonlyArray<readonly [number, number, number]>,
  z: number,
  y: number,
  Y: number,
  first: number,
  runs: number,
): void {
  const { start, end, parent, rowFirst } = s
  for (const [dz, dy, reach] of nbRows) {
    const ny = y + dy
    const nz = z + dz
    if (ny < 0 || ny >= Y || nz < 0) continue
    const nrow = nz * Y + ny
    let p = rowFirst[nrow]!
    const pEnd = rowFirst[nrow + 1]!
    for (let r = first; r < runs && p < pEnd; r++) {
      const lo = start[r]! - reach
      const hi = end[r]! + reach
      while (p < pEnd && end[p]! < lo) p++
      for (let q = p; q < pEnd && start[q]! <= hi; q++) {
        const a = find(parent, q)
        const b = find(parent, r)
        if (a < b) parent[b] = a
        else if (b < a) parent[a] = b
      }
    }
  }
}

/** The final numbering, as in {@link labelRuns}. */
function numberRuns(s: LabelScratch, shape: readonly [number, number, number], runs: number): RunLabelling {
  const { parent } = s
  const label = s.value
  let count = 0
  for (let i = 0; i < runs; i++) {
    const p = parent[i]!
    label[i] = p === i ? ++count : label[p]!
  }
  return { shape, runs, count, rowFirst: s.rowFirst, start: s.start, end: s.end, label }
}

/**
 * The labelling of runs a caller already put in the scratch — start/end and rowFirst for every
 * row of `shape`, `runs` of them, all of one value — joined at `connectivity` and numbered as
 * {@link labelRuns} numbers them. For run tables made some other way than from a voxel array
 * (maskStats.ts takes the body as the gaps between robust mode's air runs).
 */
export function labelRunTable(shape: readonly [number, number, number], runs: number, s: LabelScratch, connectivity: 6 | 18 | 26 = 26): RunLabelling {
  const [Z, Y] = shape
  const nbRows = NEIGHBOUR_ROWS[connectivity]!
  for (let r = 0; r < runs; r++) s.parent[r] = r
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++) {
      const row = z * Y + y
      const first = s.rowFirst[row]!
      const last = s.rowFirst[row + 1]!
      if (first < last) joinBinaryRow(s, nbRows, z, y, Y, first, last)
    }
  return numberRuns(s, shape, runs)
}

function binarySetup(
  n: number,
  shape: readonly [number, number, number],
  connectivity: 6 | 18 | 26 | undefined,
  scratch: LabelScratch | undefined,
): { nbRows: ReadonlyArray<readonly [number, number, number]>; s: LabelScratch } {
  const [Z, Y, X] = shape
  if (n !== Z * Y * X) throw new RangeError(`label3d: ${n} voxels for shape [${shape.join(', ')}]`)
  const conn = connectivity ?? 26
  const nbRows = NEIGHBOUR_ROWS[conn]
  if (!nbRows) throw new RangeError(`label3d: connectivity must be 6, 18 or 26, got ${conn}`)
  const s = scratch ?? new LabelScratch()
  if (s.rowFirst.length < Z * Y + 1) s.rowFirst = new Int32Array(Z * Y + 1)
  return { nbRows, s }
}

/**
 * {@link labelRuns} of the voxels at or below `threshold` (the rest is background), read straight
 * from the image: the same labelling as thresholding into a mask first and labelling that,
 * without the mask's extra pass over the volume.
 */
export function labelRunsAtOrBelow(
  img: Int16Array,
  shape: readonly [number, number, number],
  threshold: number,
  opts: { connectivity?: 6 | 18 | 26; scratch?: LabelScratch } = {},
): RunLabelling {
  const { nbRows, s } = binarySetup(img.length, shape, opts.connectivity, opts.scratch)
  const [Z, Y, X] = shape
  const rowFirst = s.rowFirst
  let runs = 0
  for (let z = 0; z < Z; z++) {
    for (let y = 0; y < Y; y++) {
      const row = z * Y + y
      const off = row * X
      const end = off + X
      const first = runs
      rowFirst[row] = first
      runs = runsAtOrBelow(img, off, end, threshold, s, runs)
      rowFirst[row + 1] = runs
      if (runs > first) joinBinaryRow(s, nbRows, z, y, Y, first, runs)
    }
  }
  return numberRuns(s, shape, runs)
}

/**
 * Appends the runs of one row to the tables; returns the new run count. A function of its own
 * so it is optimised after a few rows of the first volume, not only once the loop over the
 * whole volume is replaced on the stack.
 */
function runsAtOrBelow(img: Int16Array, off: number, end: number, threshold: number, s: LabelScratch, runs: number): number {
  let i = off
  while (i < end) {
    while (i < end && img[i]! > threshold) i++
    if (i === end) break
    const i0 = i
    while (i < end && img[i]! <= threshold) i++
    if (runs === s.start.length) s.grow()
    s.start[runs] = i0 - off
    s.end[runs] = i - 1 - off
    s.parent[runs] = runs
    runs++
  }
  return runs
}

/**
 * {@link labelRuns} of a mask that holds only 0 and 1 (the 1s are labelled), read a word (four
 * voxels) at a time where it is all 0s or all 1s: the empty rows of a lung mask, the long runs
 * of outside air. A mask with other values gives wrong labels: callers own the 0/1 promise.
 */
export function labelMask(
  mask: Uint8Array,
  shape: readonly [number, number, number],
  opts: { connectivity?: 6 | 18 | 26; scratch?: LabelScratch } = {},
): RunLabelling {
  const { nbRows, s } = binarySetup(mask.length, shape, opts.connectivity, opts.scratch)
  const [Z, Y, X] = shape
  const rowFirst = s.rowFirst
  const words = new Uint32Array(mask.buffer, 0, Math.floor(mask.buffer.byteLength / 4))
  const byteOff = mask.byteOffset
  let runs = 0
  for (let z = 0; z < Z; z++) {
    for (let y = 0; y < Y; y++) {
      const row = z * Y + y
      const off = row * X
      const end = off + X
      const first = runs
      rowFirst[row] = first
      let i = off
      while (i < end) {
        if (mask[i] === 0) {
          i = nextNonZero(mask, words, byteOff, i + 1, end)
          if (i === end) break
        }
        const i0 = i
        i = nextZero(mask, words, byteOff, i + 1, end)
        if (runs === s.start.length) s.grow()
        s.start[runs] = i0 - off
        s.end[runs] = i - 1 - off
        s.parent[runs] = runs
        runs++
      }
      rowFirst[row + 1] = runs
      if (runs > first) joinBinaryRow(s, nbRows, z, y, Y, first, runs)
    }
  }
  return numberRuns(s, shape, runs)
}

/** {@link nextNonZero} for a 0/1 mask's next 0 (or `end`). */
function nextZero(bytes: Uint8Array, words: Uint32Array, byteOff: number, i: number, end: number): number {
  while (i < end && ((i + byteOff) & 3) !== 0) {
    if (bytes[i] === 0) return i
    i++
  }
  if (i >= end) return end
  let w = (i + byteOff) / 4
  const wEnd = Math.floor((end + byteOff) / 4)
  while (w < wEnd && words[w] === 0x01010101) w++
  i = Math.max(i, w * 4 - byteOff)
  while (i < end && bytes[i] !== 0) i++
  return i
}

/** Writes a run labelling out as one label per voxel (0 = background). */
export function paintLabels(rl: RunLabelling, out: Int32Array): Int32Array {
  const X = rl.shape[2]
  const rows = rl.shape[0] * rl.shape[1]
  const { rowFirst, start, end, label } = rl
  // Between runs is background; writing it per row keeps this a single pass over the output.
  for (let row = 0; row < rows; row++) {
    const off = row * X
    let x = 0
    for (let r = rowFirst[row]!, re = rowFirst[row + 1]!; r < re; r++) {
      if (start[r]! > x) out.fill(0, off + x, off + start[r]!)
      out.fill(label[r]!, off + start[r]!, off + end[r]! + 1)
      x = end[r]! + 1
    }
    if (x < X) out.fill(0, off + x, off + X)
  }
  return out
}

/** Calls `fn(label, offset, length)` for every run, in raster order (offset into the volume). */
export function forEachRun(rl: RunLabelling, fn: (label: number, offset: number, length: number) => void): void {
  const X = rl.shape[2]
  const rows = rl.shape[0] * rl.shape[1]
  for (let row = 0; row < rows; row++) {
    for (let r = rl.rowFirst[row]!, re = rl.rowFirst[row + 1]!; r < re; r++)
      fn(rl.label[r]!, row * X + rl.start[r]!, rl.end[r]! - rl.start[r]! + 1)
  }
}

/**
 * Per label, whether it has a voxel on the x/y faces of the volume (x = 0, x = X−1, y = 0 or
 * y = Y−1, any slice). The z faces are left out on purpose: lungs and trachea are routinely cut
 * by the first and last slice, outside air never only there.
 */
export function touchesSideFaces(rl: RunLabelling): Uint8Array {
  const [Z, Y, X] = rl.shape
  const touch = new Uint8Array(rl.count + 1)
  for (let z = 0; z < Z; z++) {
    for (let y = 0; y < Y; y++) {
      const row = z * Y + y
      const edgeRow = y === 0 || y === Y - 1
      for (let r = rl.rowFirst[row]!, re = rl.rowFirst[row + 1]!; r < re; r++)
        if (edgeRow || rl.start[r] === 0 || rl.end[r] === X - 1) touch[rl.label[r]!] = 1
    }
  }
  return touch
}

/** Voxel count per label from runs; index 0 counts the background. */
export function runSizes(rl: RunLabelling): Float64Array {
  const sizes = new Float64Array(rl.count + 1)
  let labelled = 0
  for (let r = 0; r < rl.runs; r++) {
    const len = rl.end[r]! - rl.start[r]! + 1
    sizes[rl.label[r]!]! += len
    labelled += len
  }
  sizes[0] = rl.shape[0] * rl.shape[1] * rl.shape[2] - labelled
  return sizes
}

/** Labels a [z, y, x] volume. See the file comment for the semantics. */
export function label3d(
  img: LabelInput,
  shape: readonly [number, number, number],
  opts: Label3dOptions = {},
): LabelResult {
  const n = shape[0] * shape[1] * shape[2]
  const labels = opts.out ?? new Int32Array(n)
  if (labels.length !== n) throw new RangeError(`label3d: out has ${labels.length} elements, need ${n}`)
  const rl = labelRuns(img, shape, opts)
  return { labels: paintLabels(rl, labels), count: rl.count }
}

/** Labels a [rows, cols] image; 4- or 8-connectivity in the plane. */
export function label2d(img: LabelInput, shape: readonly [number, number], opts: Label2dOptions = {}): LabelResult {
  const conn = opts.connectivity ?? 8
  if (conn !== 4 && conn !== 8) throw new RangeError(`label2d: connectivity must be 4 or 8, got ${String(conn)}`)
  // A single slice: 6-connectivity is 4 in the plane, 26 is 8.
  return label3d(img, [1, shape[0], shape[1]], { ...opts, connectivity: conn === 4 ? 6 : 26 })
}

/** Voxel count per label; index 0 counts the background. Float64 so no count can overflow. */
export function componentSizes(labels: Int32Array, count: number): Float64Array {
  const sizes = new Float64Array(count + 1)
  for (let i = 0; i < labels.length; i++) sizes[labels[i]!]!++
  return sizes
}

/**
 * The largest component (index ≥ 1) of a size table, ties to the lowest label, as the
 * tutorial's `vals[np.argmax(counts)]` over `np.unique` (sorted values, first maximum). 0 when
 * there is no component.
 */
export function largestLabel(sizes: ArrayLike<number>): number {
  let best = 0
  let bestSize = 0
  for (let l = 1; l < sizes.length; l++) {
    if (sizes[l]! > bestSize) {
      bestSize = sizes[l]!
      best = l
    }
  }
  return best
}
