/**
 * The tutorial's `normalize` and `zero_center` for the export, with the dataset's own mean.
 *
 * The tutorial scales HU from [−1000, 400] to [0, 1] (clipping outside) and subtracts
 * PIXEL_MEAN = 0.25, "about the pixel mean in the LUNA16 competition". We compute the mean of
 * the exported voxels instead: every int16 value maps to one normalised value, so a 65,536-bin
 * count of the HU values is all the mean needs — exact, with no float64 copy of any volume.
 */
export const NORM_MIN_HU = -1000
export const NORM_MAX_HU = 400

/** Exact counts of every int16 value, accumulated over volumes (index = HU + 32768). */
export class HuCounts {
  readonly counts = new Float64Array(65536)
  total = 0

  add(volume: Int16Array): void {
    const c = this.counts
    for (let i = 0; i < volume.length; i++) c[volume[i]! + 32768]!++
    this.total += volume.length
  }

  /** {@link add} in slabs, yielding to the event loop between them (the app's main process runs exports). */
  async addYielding(volume: Int16Array, slab = 1 << 22): Promise<void> {
    for (let o = 0; o < volume.length; o += slab) {
      this.add(volume.subarray(o, Math.min(volume.length, o + slab)))
      await new Promise<void>((ok) => setImmediate(ok))
    }
  }

  merge(other: { counts: ArrayLike<number>; total: number }): void {
    for (let i = 0; i < 65536; i++) this.counts[i]! += other.counts[i]!
    this.total += other.total
  }

  /** Mean of `normalize(hu)` over every counted voxel; NaN when nothing was counted. */
  normalizedMean(): number {
    let sum = 0
    for (let i = 0; i < 65536; i++) if (this.counts[i]) sum += this.counts[i]! * normalizeHu(i - 32768)
    return sum / this.total
  }

  /** Counts in bins of `width` HU from `lo` (inclusive) to `hi` (exclusive), plus what lies outside. */
  binned(lo: number, hi: number, width: number): { edges: number[]; counts: number[]; below: number; above: number } {
    const n = Math.ceil((hi - lo) / width)
    const counts = new Array<number>(n).fill(0)
    let below = 0
    let above = 0
    for (let i = 0; i < 65536; i++) {
      const k = this.counts[i]!
      if (!k) continue
      const hu = i - 32768
      if (hu < lo) below += k
      else if (hu >= lo + n * width) above += k
      else counts[Math.floor((hu - lo) / width)]! += k
    }
    return { edges: Array.from({ length: n + 1 }, (_, i) => lo + i * width), counts, below, above }
  }
}

/** `normalize` of one HU value: (hu − MIN) / (MAX − MIN), clipped to [0, 1]. */
export function normalizeHu(hu: number): number {
  const v = (hu - NORM_MIN_HU) / (NORM_MAX_HU - NORM_MIN_HU)
  return v > 1 ? 1 : v < 0 ? 0 : v
}

/**
 * `zero_center(normalize(hu))` into a float32 array: computed in float64 per voxel, as numpy
 * computes the tutorial's float64 expression, then stored as float32.
 */
export function normalizeVolume(hu: Int16Array, mean: number, out = new Float32Array(hu.length)): Float32Array {
  // One table for all 65,536 inputs would be 256 kB; the clipped range is only 1,401 values.
  const table = new Float32Array(NORM_MAX_HU - NORM_MIN_HU + 1)
  for (let i = 0; i < table.length; i++) table[i] = normalizeHu(NORM_MIN_HU + i) - mean
  const lo = Math.fround(0 - mean)
  const hi = Math.fround(1 - mean)
  for (let i = 0; i < hu.length; i++) {
    const v = hu[i]!
    out[i] = v <= NORM_MIN_HU ? lo : v >= NORM_MAX_HU ? hi : table[v - NORM_MIN_HU]!
  }
  return out
}
