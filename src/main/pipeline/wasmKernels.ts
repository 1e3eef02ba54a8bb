/**
 * The cubic zoom's arithmetic (two float64 lanes at a time) and the bounded distance
 * transform's passes in WebAssembly (wasm/kernels.ts), bit-identical to the JavaScript loops they
 * replace (each lane does their operations in their order). An instance owns its memory: the zoom's line buffers are views into it, allocated
 * once per pass object, so a kernel call passes offsets and copies nothing.
 *
 * CT_CURATOR_WASM=0 turns them off (the JavaScript loops run instead); so does a runtime without
 * WebAssembly SIMD.
 */
import { KERNELS_WASM } from './kernels.wasm'

interface Exports {
  prefilter(w: number, len: number, inner: number, lo: number, zn: number): void
  interp4(work: number, inner: number, start: number, weights: number, nOut: number, out: number): void
  widen(src: number, isF32: number, n: number, dst: number): void
  transpose(src: number, a: number, b: number, dst: number): void
  narrowI16(src: number, n: number, dst: number): void
  narrowF32(src: number, n: number, dst: number): void
  interleave(src: number, isF32: number, r: number, n: number, dst: number): void
  edtPlane(
    mask: number, ny: number, nx: number, sx2: number, sy2: number, fg: number, outside: number, max: number, reachY: number,
    gap: number, block: number, copy: number, next: number, plane: number,
  ): void
  edtColumns(rows: number, nz: number, nx: number, sz2: number, outside: number, max: number, reachZ: number, block: number, copy: number, next: number): void
}

/** Room for `n` int16 or float32 values, seen as either type: what crosses to and from the volumes. */
export interface Stage {
  i16: Int16Array
  f32: Float32Array
}

// The part of the WebAssembly API used here (this project's lib has no DOM types).
interface WasmMemory {
  readonly buffer: ArrayBuffer
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Memory: new (d: { initial: number }) => WasmMemory
  Instance: new (m: object, imports: object) => { exports: unknown }
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly

let compiled: object | null | undefined
let enabled = process.env.CT_CURATOR_WASM !== '0'

/** Turns the kernels off or on for zooms set up from now on (tests compare both). */
export function setWasmKernels(on: boolean): void {
  enabled = on
}

function kernelModule(): object | null {
  if (!enabled) return null
  if (compiled === undefined) {
    try {
      compiled = !wasm ? null : new wasm.Module(Buffer.from(KERNELS_WASM, 'base64'))
    } catch {
      compiled = null // no WebAssembly SIMD here
    }
  }
  return compiled
}

const PAGE = 65536

/** Scratch of the distance transform's kernels. */
export interface EdtScratch {
  gap: Int32Array
  block: Float32Array
  copy: Float32Array
  next: Int32Array
}

/** One kernel instance and the memory its buffers are carved from. */
export class WasmKernels {
  private next = 16
  private constructor(
    private readonly memory: WasmMemory,
    private readonly fns: Exports,
  ) {}

  /** An instance with room for `bytes` of buffers, or null when the kernels cannot run here. */
  static create(bytes: number): WasmKernels | null {
    const mod = kernelModule()
    if (!mod) return null
    const memory = new wasm!.Memory({ initial: Math.ceil((bytes + 1024) / PAGE) })
    const instance = new wasm!.Instance(mod, { env: { memory } })
    return new WasmKernels(memory, instance.exports as unknown as Exports)
  }

  private carve(bytes: number): number {
    const at = this.next
    this.next = (at + bytes + 15) & ~15
    if (this.next > this.memory.buffer.byteLength) throw new RangeError(`wasm kernels: ${this.next} bytes asked, ${this.memory.buffer.byteLength} reserved`)
    return at
  }

  f64(n: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.carve(8 * n), n)
  }

  f32(n: number): Float32Array {
    return new Float32Array(this.memory.buffer, this.carve(4 * n), n)
  }

  u8(n: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, this.carve(n), n)
  }

  i32(n: number): Int32Array {
    return new Int32Array(this.memory.buffer, this.carve(4 * n), n)
  }

  stage(n: number): Stage {
    const at = this.carve(4 * n)
    return { i16: new Int16Array(this.memory.buffer, at, n), f32: new Float32Array(this.memory.buffer, at, n) }
  }

  /** dst[dstAt + i] = the stage's first n values (int16, or float32 when `isF32`) as float64. */
  widen(stage: Stage, isF32: boolean, n: number, dst: Float64Array, dstAt: number): void {
    this.fns.widen(stage.i16.byteOffset, isF32 ? 1 : 0, n, dst.byteOffset + 8 * dstAt)
  }

  /** The stage's `r` rows of `n` values (int16, or float32 when `isF32`) as float64, side by side: dst[dstAt + i·r + k] = row k's value i. */
  interleave(stage: Stage, isF32: boolean, r: number, n: number, dst: Float64Array, dstAt: number): void {
    this.fns.interleave(stage.i16.byteOffset, isF32 ? 1 : 0, r, n, dst.byteOffset + 8 * dstAt)
  }

  /** dst[dstAt + j·a + i] = src[i·b + j] for i < a, j < b. */
  transpose(src: Float64Array, a: number, b: number, dst: Float64Array, dstAt: number): void {
    this.fns.transpose(src.byteOffset, a, b, dst.byteOffset + 8 * dstAt)
  }

  /** The first n values of src into the stage: float32 (`toF32`), else int16 as storeInt16 writes them. */
  narrow(src: Float64Array, n: number, toF32: boolean, stage: Stage): void {
    if (toF32) this.fns.narrowF32(src.byteOffset, n, stage.f32.byteOffset)
    else this.fns.narrowI16(src.byteOffset, n, stage.i16.byteOffset)
  }

  /**
   * The bounded distance transform's x and y passes of one plane (distanceTransform.ts): mask
   * rows in, float32 [y][x] out; the other arrays are scratch. Every array in this memory.
   */
  edtPlane(
    mask: Uint8Array, ny: number, nx: number, sx2: number, sy2: number, fg: boolean, outside: boolean, max: number, reachY: number,
    s: EdtScratch, plane: Float32Array,
  ): void {
    this.fns.edtPlane(mask.byteOffset, ny, nx, sx2, sy2, fg ? 1 : 0, outside ? 1 : 0, max, reachY, s.gap.byteOffset, s.block.byteOffset, s.copy.byteOffset, s.next.byteOffset, plane.byteOffset)
  }

  /** Its z pass of one y: `rows` ([z][x] float32) filtered along z in place. */
  edtColumns(rows: Float32Array, nz: number, nx: number, sz2: number, outside: boolean, max: number, reachZ: number, s: EdtScratch): void {
    this.fns.edtColumns(rows.byteOffset, nz, nx, sz2, outside ? 1 : 0, max, reachZ, s.block.byteOffset, s.copy.byteOffset, s.next.byteOffset)
  }

  /** bsplinePrefilter (resampleBSpline.ts) of lines in this instance's memory; `pole` its z. */
  prefilter(w: Float64Array, len: number, inner: number, lo: number, pole: number): void {
    this.fns.prefilter(w.byteOffset, len, inner, lo, Math.pow(pole, len))
  }

  /** interpRows (resampleSeparable.ts) with 4 taps, every array in this instance's memory. */
  interp4(work: Float64Array, inner: number, start: Int32Array, weights: Float64Array, out: Float64Array): void {
    this.fns.interp4(work.byteOffset, inner, start.byteOffset, weights.byteOffset, start.length, out.byteOffset)
  }
}

/** Bytes `ZoomKernels.create` needs for these buffer lengths (float64 and int32 counts), aligned as carved. */
export function kernelBytes(f64s: number[], i32s: number[]): number {
  let b = 16
  for (const n of f64s) b = (b + 8 * n + 15) & ~15
  for (const n of i32s) b = (b + 4 * n + 15) & ~15
  return b
}
