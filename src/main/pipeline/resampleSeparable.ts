/**
 * The engine behind zoomCubic and zoomLinear: a separable zoom of an int16 volume, one axis at a
 * time, with float64 line buffers and a single float32 whole-volume intermediate.
 *
 * Both interpolators are tensor products (a B-spline prefilter is a 1-D filter per axis, the
 * interpolation weights factor per axis), so the 64-tap (or 8-tap) 3-D sum scipy evaluates per
 * voxel equals three 1-D passes. Edge padding along one axis commutes with the passes along the
 * others, so each pass pads its own lines and scipy's padded array never exists here.
 *
 * Memory: the two in-plane passes run slice by slice with slice-sized buffers; the z pass runs on
 * a whole volume. The z pass goes first when that makes the float32 intermediate smaller
 * (z shrinks more than the plane), otherwise last. For 512×512×300 → 375×358×358 that is
 * int16 source 157 MB + float32 intermediate 154 MB + int16 result 96 MB.
 */
import { CuratorError } from '../../shared/errors'
import { type Stage, WasmKernels, kernelBytes } from './wasmKernels'

/** One axis of a separable zoom: where each output sample reads, and with which weights. */
export interface AxisPlan {
  nIn: number
  nOut: number
  /** Edge-value samples added at each end of a line before prefiltering (scipy's `npad`). */
  pad: number
  /** Taps per output sample (spline order + 1). */
  taps: number
  /** First tap of output `o`, as an index into the padded line (length nIn + 2·pad). */
  start: Int32Array
  /** `weights[o·taps + k]` multiplies padded sample `start[o] + k`. */
  weights: Float64Array
  /**
   * In-place prefilter of `inner` interleaved padded lines (`work[i·inner + c]`, i < len), or
   * null. Only samples from `lo` up are read afterwards, so a filter may stop there.
   */
  prefilter: ((work: Float64Array, len: number, inner: number, lo: number) => void) | null
  /**
   * Set when `prefilter` is the cubic B-spline one with this pole and there are 4 taps: the
   * WebAssembly kernels (wasmKernels.ts) can then run the axis, with the same result.
   */
  pole?: number
}

/** Length of the float32 intermediate {@link zoomSeparable} needs (for a reusable scratch). */
export function zoomScratchLength(shape: readonly number[], outShape: readonly number[]): number {
  const [nz, ny, nx] = shape as [number, number, number]
  const [mz, my, mx] = outShape as [number, number, number]
  return Math.min(mz * ny * nx, nz * my * mx)
}

function checkZoomArgs(src: Int16Array, shape: readonly number[], outShape: readonly number[]): void {
  const ok = (s: readonly number[]) => s.length === 3 && s.every((n) => Number.isInteger(n) && n >= 1)
  if (!ok(shape) || !ok(outShape))
    throw new CuratorError(
      'BAD_ARGUMENT',
      `zoom: shapes must be 3 positive integers, got [${shape.join(', ')}] → [${outShape.join(', ')}]`,
    )
  if (src.length !== shape[0]! * shape[1]! * shape[2]!)
    throw new CuratorError('BAD_ARGUMENT', `zoom: ${src.length} voxels do not fill shape [${shape.join(', ')}]`)
}

/** Copies the edge samples of `n` interleaved lines (starting at row `pad`) into `pad` rows each side. */
function padEdges(work: Float64Array, n: number, pad: number, inner: number): void {
  if (pad === 0) return
  const first = work.subarray(pad * inner, (pad + 1) * inner)
  const last = work.subarray((pad + n - 1) * inner, (pad + n) * inner)
  for (let i = 0; i < pad; i++) {
    work.set(first, i * inner)
    work.set(last, (pad + n + i) * inner)
  }
}

/** `inner` interleaved lines at once: out[o·inner + c] = Σ_k w[o,k]·work[(start[o] + k)·inner + c]. */
function interpRows(work: Float64Array, inner: number, p: AxisPlan, out: Float64Array): void {
  const { start, weights: w, nOut, taps } = p
  for (let o = 0; o < nOut; o++) {
    const j = o * taps
    const r0 = start[o]! * inner
    const q = o * inner
    if (taps === 4) {
      const w0 = w[j]!
      const w1 = w[j + 1]!
      const w2 = w[j + 2]!
      const w3 = w[j + 3]!
      const r1 = r0 + inner
      const r2 = r1 + inner
      const r3 = r2 + inner
      for (let c = 0; c < inner; c++)
        out[q + c] = w0 * work[r0 + c]! + w1 * work[r1 + c]! + w2 * work[r2 + c]! + w3 * work[r3 + c]!
    } else {
      const w0 = w[j]!
      const w1 = w[j + 1]!
      const r1 = r0 + inner
      for (let c = 0; c < inner; c++) out[q + c] = w0 * work[r0 + c]! + w1 * work[r1 + c]!
    }
  }
}

/** One axis's two line operations, run by JavaScript or by the WebAssembly kernels. */
interface LineOps {
  prefilter: ((work: Float64Array, len: number, inner: number, lo: number) => void) | null
  interp(work: Float64Array, inner: number, out: Float64Array): void
}

const jsOps = (p: AxisPlan): LineOps => ({ prefilter: p.prefilter, interp: (work, inner, out) => interpRows(work, inner, p, out) })

/** The kernels' version of `p`, its taps and weights copied into their memory. */
function kernelOps(p: AxisPlan, k: WasmKernels): LineOps {
  const start = k.i32(p.nOut)
  start.set(p.start)
  const weights = k.f64(p.weights.length)
  weights.set(p.weights)
  const pole = p.pole!
  return {
    prefilter: (work, len, inner, lo) => k.prefilter(work, len, inner, lo, pole),
    interp: (work, inner, out) => k.interp4(work, inner, start, weights, out),
  }
}

const kernelsCanRun = (p: AxisPlan): boolean => p.pole !== undefined && p.taps === 4

/** Kernels with room for these line buffers (float64 lengths) and the plans' copies, when every plan suits them. */
function kernelsFor(plans: AxisPlan[], lines: number[]): WasmKernels | null {
  if (!plans.every(kernelsCanRun)) return null
  return WasmKernels.create(kernelBytes([...lines, ...plans.map((p) => p.weights.length)], plans.map((p) => p.nOut)))
}

/** A plan that reads its input as it is: no edge padding, no prefilter (linear). */
const isDirect = (p: AxisPlan): boolean => p.pad === 0 && p.prefilter === null

/** Interpolates straight from a contiguous input line: out[outAt + o] = Σ_k w[o,k]·src[from + start[o] + k]. */
function interpFrom(src: Int16Array | Float32Array, from: number, p: AxisPlan, out: Float64Array, outAt: number): void {
  const { start, weights: w, nOut, taps } = p
  for (let o = 0, j = 0; o < nOut; o++) {
    let t = 0
    for (let k = 0, s = from + start[o]!; k < taps; k++, j++, s++) t += w[j]! * src[s]!
    out[outAt + o] = t
  }
}

/** Output row `o` of a direct plan along z: row[c] = Σ_k w[o,k]·src[(start[o] + k)·plane + c]. */
function combineRows(p: AxisPlan, o: number, src: Int16Array | Float32Array, row: Float64Array): void {
  const plane = row.length
  const j = o * p.taps
  const a = p.start[o]! * plane
  if (p.taps === 2) {
    const w0 = p.weights[j]!
    const w1 = p.weights[j + 1]!
    for (let c = 0, b = a + plane; c < plane; c++) row[c] = w0 * src[a + c]! + w1 * src[b + c]!
    return
  }
  row.fill(0)
  for (let k = 0; k < p.taps; k++) {
    const w = p.weights[j + k]!
    const b = a + k * plane
    for (let c = 0; c < plane; c++) row[c] = row[c]! + w * src[b + c]!
  }
}

/**
 * Writes floats into int16 as scipy does: round half away from zero, clip to the int16 range
 * (scipy 1.10 clips; it does not wrap).
 */
function storeInt16(buf: Float64Array, from: number, n: number, dst: Int16Array, at: number): void {
  for (let i = 0; i < n; i++) {
    const t = buf[from + i]!
    const v = t > 0 ? t + 0.5 : t - 0.5
    dst[at + i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v // the store truncates toward zero
  }
}

function store(buf: Float64Array, from: number, n: number, dst: Float32Array | Int16Array, at: number): void {
  if (dst instanceof Int16Array) storeInt16(buf, from, n, dst, at)
  else dst.set(buf.subarray(from, from + n), at)
}

/**
 * Rows filtered along x together. Interleaving them (`rows[i·R + r]`) turns the recursive
 * filter's chain of dependent multiply-adds into R independent ones: the filter runs about 3×
 * faster than on one line at a time.
 */
const ROWS = 8

/** The two in-plane passes of one slice: x (rows, ROWS at a time), then y (all columns at once). */
class SliceZoom {
  private readonly rows: Float64Array
  private readonly rowsOut: Float64Array
  private readonly work: Float64Array
  private readonly out: Float64Array
  private readonly xOps: LineOps
  private readonly yOps: LineOps
  /** With the kernels: the rows read and the slice written. */
  private readonly k: { kernels: WasmKernels; stageIn: Stage; stageOut: Stage } | null
  constructor(
    private readonly py: AxisPlan,
    private readonly px: AxisPlan,
  ) {
    const lengths = [(px.nIn + 2 * px.pad) * ROWS, px.nOut * ROWS, (py.nIn + 2 * py.pad) * px.nOut, py.nOut * px.nOut]
    // Stages count as float64s: a row group in, the slice out (4 bytes a value at most).
    const staged = [Math.ceil((ROWS * px.nIn) / 2), Math.ceil((py.nOut * px.nOut) / 2)]
    const k = kernelsFor([px, py], [...lengths, ...staged])
    const [rows, rowsOut, work, out] = lengths.map((n) => (k ? k.f64(n) : new Float64Array(n))) as [Float64Array, Float64Array, Float64Array, Float64Array]
    this.rows = rows
    this.rowsOut = rowsOut
    this.work = work
    this.out = out
    this.xOps = k ? kernelOps(px, k) : jsOps(px)
    this.yOps = k ? kernelOps(py, k) : jsOps(py)
    this.k = k ? { kernels: k, stageIn: k.stage(ROWS * px.nIn), stageOut: k.stage(py.nOut * px.nOut) } : null
  }

  /**
   * Zooms slice `src[at .. at + ny·nx)` into `dst[dstAt .. dstAt + my·mx)`. `beforeStore` runs
   * once the slice has been read and before anything is written.
   */
  run(
    src: Int16Array | Float32Array,
    at: number,
    dst: Float32Array | Int16Array,
    dstAt: number,
    beforeStore?: () => void,
  ): void {
    const { px, py, work, out } = this
    const mx = px.nOut
    // Linear reads the slice as it is; the spline needs padded, prefiltered copies of the rows.
    if (isDirect(px)) for (let y = 0; y < py.nIn; y++) interpFrom(src, at + y * px.nIn, px, work, (py.pad + y) * mx)
    else for (let y0 = 0; y0 < py.nIn; y0 += ROWS) this.rowsX(src, at, y0, Math.min(ROWS, py.nIn - y0))
    padEdges(work, py.nIn, py.pad, mx)
    this.yOps.prefilter?.(work, py.nIn + 2 * py.pad, mx, py.start[0]!)
    this.yOps.interp(work, mx, out)
    beforeStore?.()
    if (this.k) {
      const toF32 = dst instanceof Float32Array
      this.k.kernels.narrow(out, out.length, toF32, this.k.stageOut)
      if (toF32) dst.set(this.k.stageOut.f32, dstAt)
      else dst.set(this.k.stageOut.i16, dstAt)
    } else store(out, 0, out.length, dst, dstAt)
  }

  /** The x pass of rows y0 .. y0 + r: copied in transposed, filtered together, written to `work`. */
  private rowsX(src: Int16Array | Float32Array, at: number, y0: number, r: number): void {
    const { px, py, rows, rowsOut, work } = this
    const nx = px.nIn
    const mx = px.nOut
    const from = at + y0 * nx
    if (this.k) {
      // The rows are contiguous in the source: one copy of their own type into the kernels' memory.
      const { kernels, stageIn } = this.k
      const isF32 = src instanceof Float32Array
      if (isF32) stageIn.f32.set(src.subarray(from, from + r * nx))
      else stageIn.i16.set(src.subarray(from, from + r * nx))
      kernels.interleave(stageIn, isF32, r, nx, rows, px.pad * r)
    } else {
      for (let k = 0; k < r; k++) {
        const f = from + k * nx
        for (let i = 0, j = px.pad * r + k; i < nx; i++, j += r) rows[j] = src[f + i]!
      }
    }
    padEdges(rows, nx, px.pad, r)
    this.xOps.prefilter?.(rows, nx + 2 * px.pad, r, px.start[0]!)
    this.xOps.interp(rows, r, rowsOut)
    if (this.k) this.k.kernels.transpose(rowsOut, mx, r, work, (py.pad + y0) * mx)
    else {
      for (let k = 0; k < r; k++) {
        const to = (py.pad + y0 + k) * mx
        for (let o = 0, j = k; o < mx; o++, j += r) work[to + o] = rowsOut[j]!
      }
    }
  }
}

/** Working set of one z-pass chunk, in bytes; about an L2 cache. */
const CHUNK_BYTES = 1 << 20

/**
 * The z pass over a [nz][plane] volume, [nz][plane] → [mz][plane], as independent units: with a
 * prefilter, `chunk` columns each; without (linear), one output row each. Any unit may run in
 * any thread, in any order; each writes only its own part of `dst`. Buffers are per instance.
 */
class ZPass {
  readonly units: number
  private readonly chunk: number
  private readonly work: Float64Array
  private readonly out: Float64Array
  private readonly ops: LineOps
  /** With the kernels: the chunk's columns as read, and its rows as written. */
  private readonly k: { kernels: WasmKernels; stageIn: Stage; stageOut: Stage } | null = null
  constructor(
    private readonly plane: number,
    private readonly pz: AxisPlan,
  ) {
    if (isDirect(pz)) {
      this.chunk = 0
      this.units = pz.nOut
      this.work = new Float64Array(plane)
      this.out = this.work
      this.ops = jsOps(pz)
      return
    }
    const len = pz.nIn + 2 * pz.pad
    this.chunk = Math.min(plane, Math.max(16, Math.floor(CHUNK_BYTES / ((len + pz.nOut) * 8))))
    this.units = Math.ceil(plane / this.chunk)
    const lengths = [len * this.chunk, pz.nOut * this.chunk]
    const k = kernelsFor([pz], [...lengths, Math.ceil((pz.nIn * this.chunk) / 2), Math.ceil((pz.nOut * this.chunk) / 2)])
    ;[this.work, this.out] = lengths.map((n) => (k ? k.f64(n) : new Float64Array(n))) as [Float64Array, Float64Array]
    this.ops = k ? kernelOps(pz, k) : jsOps(pz)
    if (k) this.k = { kernels: k, stageIn: k.stage(pz.nIn * this.chunk), stageOut: k.stage(pz.nOut * this.chunk) }
  }

  run(unit: number, src: Int16Array | Float32Array, dst: Float32Array | Int16Array): void {
    const { plane, pz, chunk, work, out } = this
    if (chunk === 0) {
      // No padding, no prefilter: each output row straight from two (or four) input rows.
      combineRows(pz, unit, src, work)
      store(work, 0, plane, dst, unit * plane)
      return
    }
    const c0 = unit * chunk
    const w = Math.min(chunk, plane - c0)
    // A short last chunk still uses `chunk` as the row pitch; its extra columns are ignored.
    if (this.k) {
      const { kernels, stageIn } = this.k
      const isF32 = src instanceof Float32Array
      const into = isF32 ? stageIn.f32 : stageIn.i16
      for (let i = 0; i < pz.nIn; i++) into.set(src.subarray(i * plane + c0, i * plane + c0 + w), i * chunk)
      kernels.widen(stageIn, isF32, pz.nIn * chunk, work, pz.pad * chunk)
    } else for (let i = 0; i < pz.nIn; i++) work.set(src.subarray(i * plane + c0, i * plane + c0 + w), (pz.pad + i) * chunk)
    padEdges(work, pz.nIn, pz.pad, chunk)
    this.ops.prefilter?.(work, pz.nIn + 2 * pz.pad, chunk, pz.start[0]!)
    this.ops.interp(work, chunk, out)
    if (this.k) {
      const { kernels, stageOut } = this.k
      const toF32 = dst instanceof Float32Array
      kernels.narrow(out, pz.nOut * chunk, toF32, stageOut)
      const from = toF32 ? stageOut.f32 : stageOut.i16
      for (let o = 0; o < pz.nOut; o++) dst.set(from.subarray(o * chunk, o * chunk + w) as Float32Array & Int16Array, o * plane + c0)
    } else for (let o = 0; o < pz.nOut; o++) store(out, o * chunk, w, dst, o * plane + c0)
  }
}

/**
 * A whole zoom as two passes of independent units (pass 0 reads `src` and writes `mid`, pass 1
 * reads `mid` and writes `dst`): per-slice in-plane passes and the z pass, in the order that
 * keeps `mid` smaller. Every unit's result is the same whichever thread computes it, so a zoom
 * split over threads is bit-identical to one run on one thread.
 */
export class ZoomPasses {
  /** z pass first (into [mz][ny][nx]) when z shrinks the most, else last. */
  readonly zFirst: boolean
  private readonly z: ZPass
  private readonly slice: SliceZoom
  private readonly inPlane: number
  private readonly outPlane: number
  private readonly sliceUnits: number
  constructor(
    shape: readonly number[],
    outShape: readonly number[],
    planAxis: (nIn: number, nOut: number) => AxisPlan,
  ) {
    const [nz, ny, nx] = shape as [number, number, number]
    const [mz, my, mx] = outShape as [number, number, number]
    const [pz, py, px] = [0, 1, 2].map((a) => planAxis(shape[a]!, outShape[a]!)) as [AxisPlan, AxisPlan, AxisPlan]
    this.zFirst = mz * ny * nx < nz * my * mx
    this.inPlane = ny * nx
    this.outPlane = my * mx
    this.z = new ZPass(this.zFirst ? ny * nx : my * mx, pz)
    this.slice = new SliceZoom(py, px)
    this.sliceUnits = this.zFirst ? mz : nz
  }

  /**
   * The intermediate may be written over the source it is made from: the in-plane pass goes
   * first and a zoomed slice, as float32, takes no more bytes than an int16 source slice (the
   * plane shrinks by √2 or more per side: 0.7 mm pixels to 1 mm). Slice z's intermediate then
   * covers only source slices ≤ z, which are read by the time it is written, in slice order.
   */
  get midFitsInSource(): boolean {
    return !this.zFirst && 4 * this.outPlane <= 2 * this.inPlane
  }

  static midFitsInSource(shape: readonly number[], outShape: readonly number[]): boolean {
    const [nz, ny, nx] = shape as [number, number, number]
    const [mz, my, mx] = outShape as [number, number, number]
    return !(mz * ny * nx < nz * my * mx) && 4 * my * mx <= 2 * ny * nx
  }

  /** The first source slice that slice `unit`'s intermediate overwrites (when written over the source). */
  firstOverwritten(unit: number): number {
    return Math.floor((unit * 4 * this.outPlane) / (2 * this.inPlane))
  }

  units(pass: 0 | 1): number {
    return (pass === 0) === this.zFirst ? this.z.units : this.sliceUnits
  }

  /** @param beforeStore see SliceZoom.run (in-plane units of pass 0 only). */
  run(pass: 0 | 1, unit: number, src: Int16Array, mid: Float32Array, dst: Int16Array, beforeStore?: () => void): void {
    if (pass === 0) {
      if (this.zFirst) this.z.run(unit, src, mid)
      else this.slice.run(src, unit * this.inPlane, mid, unit * this.outPlane, beforeStore)
    } else if (this.zFirst) this.slice.run(mid, unit * this.inPlane, dst, unit * this.outPlane)
    else this.z.run(unit, mid, dst)
  }
}

/** Memory a zoom may use instead of allocating. */
export interface ZoomBuffers {
  /**
   * Float32 intermediate of at least {@link zoomScratchLength} values. It may be the source's own
   * memory (same buffer and offset) where ZoomPasses.midFitsInSource: the source is then lost.
   */
  scratch?: Float32Array
  /**
   * The result, exactly the output's voxel count. It may share memory with `src`: the source
   * is read only by the first pass and the result written only by the second.
   */
  dst?: Int16Array
}

/**
 * Zooms `src` ([z][y][x], C order) to `outShape`, each axis planned by `planAxis` (the
 * interpolator: cubic B-spline or linear).
 */
export function zoomSeparable(
  src: Int16Array,
  shape: readonly number[],
  outShape: readonly number[],
  planAxis: (nIn: number, nOut: number) => AxisPlan,
  { scratch, dst: given }: ZoomBuffers = {},
): Int16Array {
  checkZoomArgs(src, shape, outShape)
  const [mz, my, mx] = outShape as [number, number, number]
  const need = zoomScratchLength(shape, outShape)
  if (scratch && scratch.length < need)
    throw new CuratorError('BAD_ARGUMENT', `zoom: scratch holds ${scratch.length} floats, ${need} needed`)
  if (given && given.length !== mz * my * mx)
    throw new CuratorError('BAD_ARGUMENT', `zoom: dst holds ${given.length} voxels, ${mz * my * mx} needed`)
  const mid = scratch ? scratch.subarray(0, need) : new Float32Array(need)
  const dst = given ?? new Int16Array(mz * my * mx)
  const passes = new ZoomPasses(shape, outShape, planAxis)
  // One thread goes through the slices in order, which is all writing over the source needs.
  checkOverlap(passes, src, mid, dst)
  for (const pass of [0, 1] as const)
    for (let u = 0, n = passes.units(pass); u < n; u++) passes.run(pass, u, src, mid, dst)
  return dst
}

/**
 * Whether the intermediate is written over the source (see ZoomBuffers.scratch); throws for an
 * overlap the passes cannot survive. The result must not overlap the intermediate at all.
 */
export function checkOverlap(passes: ZoomPasses, src: Int16Array, mid: Float32Array, dst: Int16Array): boolean {
  const overlaps = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
    a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength
  if (overlaps(mid, dst)) throw new CuratorError('BAD_ARGUMENT', 'zoom: the result overlaps the intermediate')
  if (!overlaps(mid, src)) return false
  if (mid.byteOffset !== src.byteOffset || !passes.midFitsInSource)
    throw new CuratorError(
      'BAD_ARGUMENT',
      'zoom: the intermediate can share the source only at its start, when the plane shrinks enough',
    )
  return true
}
