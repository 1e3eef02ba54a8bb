/**
 * Stored pixel values → Hounsfield units, one slice at a time, written into a slice of the
 * int16 volume. Two semantics:
 * - seed: the tutorial's `get_pixels_hu` bit for bit, including its int16 wrap-arounds;
 * - robust: padding honoured, `slope·v + intercept` in floating point, rounded and clamped once,
 *   and nothing below air: the seed's exact `== -2000` test misses padding that a lossy codec
 *   smeared to −1990…−2010, which resampling then blends into tissue-like values.
 */
export type StoredSlice = Int16Array | Uint16Array | Uint8Array

/** Raw value the tutorial treats as "outside the scanner's circular field of view". */
export const TUTORIAL_OUTSIDE = -2000

export interface RobustHuParams {
  slope: number
  intercept: number
  /** PixelPaddingValue in stored-value space (already signed when PixelRepresentation is 1). */
  paddingValue: number | null
  /** PixelPaddingRangeLimit: with it, every value between the two is padding. */
  paddingLimit: number | null
  /** HU given to padding and outside-FOV pixels. @default -1000 (air) */
  outsideHu?: number
  /**
   * Stored values this far above a padding value that lies below air also count as padding:
   * lossy codecs do not keep the padding value exact. 0 for lossless data. @default 0
   */
  paddingTolerance?: number
}

/** Physically nothing is below air (−1000 HU, −1024 on most scanners): lower HU is padding or outside the FOV. */
export const LOWEST_PHYSICAL_HU = -1024

/** Tolerance (stored units) around the padding value for lossy-compressed slices: ±10 seen on J2K at rate 5, with margin. */
export const LOSSY_PADDING_TOLERANCE = 64

/**
 * The tutorial: `astype(int16)` (wraps uint16), `== -2000 → 0`, then
 * `int16(slope * float64(v))` when slope ≠ 1 (truncation), then `+= int16(intercept)` (int16 wrap).
 */
export function seedSliceHu(stored: StoredSlice, out: Int16Array, slope: number, intercept: number): void {
  // np.int16(intercept) truncates the float toward zero.
  const ic = Math.trunc(intercept)
  const n = out.length
  if (slope === 1) {
    for (let i = 0; i < n; i++) {
      let v = (stored[i]! << 16) >> 16
      if (v === TUTORIAL_OUTSIDE) v = 0
      out[i] = v + ic // Int16Array stores modulo 2^16: numpy's int16 overflow
    }
  } else {
    for (let i = 0; i < n; i++) {
      let v = (stored[i]! << 16) >> 16
      if (v === TUTORIAL_OUTSIDE) v = 0
      out[i] = Math.trunc(slope * v) + ic
    }
  }
}

/** Round half away from zero, as scipy/numpy write floats into integer arrays here. */
const roundHalfAway = (x: number): number => (x < 0 ? -Math.round(-x) : Math.round(x))

export function robustSliceHu(stored: StoredSlice, out: Int16Array, p: RobustHuParams): void {
  const outside = p.outsideHu ?? -1000
  const { slope, intercept } = p
  let lo = Infinity
  let hi = -Infinity
  if (p.paddingValue !== null) {
    lo = p.paddingLimit === null ? p.paddingValue : Math.min(p.paddingValue, p.paddingLimit)
    hi = p.paddingLimit === null ? p.paddingValue : Math.max(p.paddingValue, p.paddingLimit)
    // "At or below padding + tolerance" only for padding below air: a padding value at the top
    // of the range (some writers use the maximum) would otherwise swallow the whole image.
    if (slope * hi + intercept <= LOWEST_PHYSICAL_HU) {
      lo = -Infinity
      hi += p.paddingTolerance ?? 0
    }
  }
  const tol = p.paddingTolerance ?? 0
  const rawLo = TUTORIAL_OUTSIDE - tol
  const rawHi = TUTORIAL_OUTSIDE + tol
  const n = out.length
  for (let i = 0; i < n; i++) {
    const v = stored[i]!
    if ((v >= lo && v <= hi) || (v >= rawLo && v <= rawHi)) {
      out[i] = outside
      continue
    }
    const h = roundHalfAway(slope * v + intercept)
    out[i] = h < LOWEST_PHYSICAL_HU ? outside : h > 32767 ? 32767 : h
  }
}

/**
 * A slice's conversion as one table lookup per voxel. Both conversions depend on nothing but
 * the stored value and the slice's parameters, which rarely change within a series: the table
 * maps every possible stored value once, by running the conversion itself over all of them (so
 * it agrees with seedSliceHu/robustSliceHu by construction), and is rebuilt only when the
 * parameters or the storage type change. Per voxel that is a load from a 128 KiB table instead of
 * a float multiply, a rounding and four comparisons; 16-bit slices go two voxels per 32-bit word.
 * The range of what was written comes from marking which table entries were used (a store, not
 * two compares and branches per voxel), read once at the end.
 */
export class HuTable {
  private key = ''
  private readonly table = new Int16Array(65536)
  /** Entries of the current table some voxel used. */
  private readonly seen = new Uint8Array(65536)
  private lo = 32767
  private hi = -32768

  /** Converts `stored` into `out`, which it may view (each value is read before it is written). */
  convert(stored: StoredSlice, out: Int16Array, mode: 'seed' | 'robust', p: RobustHuParams): void {
    const kind = stored instanceof Int16Array ? 's' : stored instanceof Uint16Array ? 'u' : 'b'
    const key = `${mode} ${kind} ${p.slope} ${p.intercept} ${p.paddingValue} ${p.paddingLimit} ${p.outsideHu ?? ''} ${p.paddingTolerance ?? 0}`
    const size = kind === 'b' ? 256 : 65536
    if (key !== this.key) {
      // A table costs `size` conversions: not worth it for one small slice with new parameters.
      if (out.length < size / 2) {
        this.direct(stored, out, mode, p)
        return
      }
      this.fold()
      // Every bit pattern of the storage type, in index order (k stored into an Int16Array is
      // the int16 whose bits are k).
      const all = kind === 's' ? new Int16Array(size) : kind === 'u' ? new Uint16Array(size) : new Uint8Array(size)
      for (let k = 0; k < size; k++) all[k] = k
      const t = this.table.subarray(0, size)
      if (mode === 'seed') seedSliceHu(all, t, p.slope, p.intercept)
      else robustSliceHu(all, t, p)
      this.key = key
    }
    const { table: t, seen } = this
    const n = out.length
    let i = 0
    if (kind !== 'b' && stored.byteOffset % 4 === 0 && out.byteOffset % 4 === 0) {
      // Little-endian words: element 2j is the low half, 2j + 1 the high one, in and out.
      const words = n >> 1
      const s32 = new Uint32Array(stored.buffer, stored.byteOffset, words)
      const o32 = new Uint32Array(out.buffer, out.byteOffset, words)
      for (let j = 0; j < words; j++) {
        const w = s32[j]!
        const a = w & 0xffff
        const b = w >>> 16
        seen[a] = 1
        seen[b] = 1
        o32[j] = (t[a]! & 0xffff) | (t[b]! << 16)
      }
      i = words * 2
    }
    for (; i < n; i++) {
      const k = stored[i]! & 0xffff
      seen[k] = 1
      out[i] = t[k]!
    }
  }

  /** [min, max] of every value written so far ([32767, −32768] when none). */
  range(): [number, number] {
    this.fold()
    return [this.lo, this.hi]
  }

  /** The used entries of the current table into the range. */
  private fold(): void {
    if (!this.key) return
    const { table, seen } = this
    let { lo, hi } = this
    for (let k = 0; k < 65536; k++) {
      if (!seen[k]) continue
      seen[k] = 0
      const h = table[k]!
      if (h < lo) lo = h
      if (h > hi) hi = h
    }
    this.lo = lo
    this.hi = hi
  }

  private direct(stored: StoredSlice, out: Int16Array, mode: 'seed' | 'robust', p: RobustHuParams): void {
    if (mode === 'seed') seedSliceHu(stored, out, p.slope, p.intercept)
    else robustSliceHu(stored, out, p)
    let { lo, hi } = this
    for (let i = 0, n = out.length; i < n; i++) {
      const h = out[i]!
      if (h < lo) lo = h
      if (h > hi) hi = h
    }
    this.lo = lo
    this.hi = hi
  }
}
