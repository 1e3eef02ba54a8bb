/**
 * How HU become stored pixel values: RescaleSlope/Intercept, signed or unsigned storage, and the
 * value that marks pixels outside the reconstruction field of view.
 *
 * - int16 (PixelRepresentation 1, BitsStored 16): stored = (HU − intercept) / slope; padding is
 *   stored −2000, as on the GE scanners of the tutorial's data (with intercept −1024 that reads
 *   as −3024 HU if nobody zeroes it; the tutorial sets it to 0 first, i.e. −1024 HU).
 * - uint16 (PixelRepresentation 0): −2000 is not representable, so padding is stored 0, which
 *   with the required intercept ≤ −1024 is ≤ −1024 HU: the same air the tutorial ends up with
 *   after zeroing −2000. BitsStored is 12 when the HU range −1024..3071 fits (slope 1,
 *   intercept −1024, like Siemens data), 16 otherwise.
 * Slopes are powers of two and intercepts integers, so every stored value maps to an exact HU
 * and back: the phantom's HU volume is exactly what the files encode.
 */
import { HU_MAX, HU_MIN, INT16_PADDING, type ResolvedOptions } from './options'

/** HU the phantom assigns to out-of-field-of-view pixels (what a reader should turn padding into). */
export const PADDING_HU = HU_MIN

export interface StorageInfo {
  pixelRepresentation: 0 | 1
  bitsStored: number
  slope: number
  intercept: number
  /** Stored value of out-of-FOV pixels, or null when the whole image is reconstructed. */
  padding: number | null
}

export function storageInfo(o: ResolvedOptions): StorageInfo {
  if (o.storage === 'int16') {
    return {
      pixelRepresentation: 1,
      bitsStored: 16,
      slope: o.rescaleSlope,
      intercept: o.rescaleIntercept,
      padding: o.fovPadding ? INT16_PADDING : null,
    }
  }
  const maxStored = toStored(HU_MAX, o.rescaleSlope, o.rescaleIntercept)
  return {
    pixelRepresentation: 0,
    bitsStored: maxStored <= 4095 ? 12 : 16,
    slope: o.rescaleSlope,
    intercept: o.rescaleIntercept,
    padding: o.fovPadding ? 0 : null,
  }
}

export function toStored(hu: number, slope: number, intercept: number): number {
  return Math.round((hu - intercept) / slope)
}

/**
 * A lookup table from HU (index hu − HU_MIN) to the nearest HU the storage can represent:
 * the identity for slope ≤ 1, multiples of the slope above it.
 */
export function quantizeTable(info: StorageInfo): Int16Array {
  const table = new Int16Array(HU_MAX - HU_MIN + 1)
  for (let hu = HU_MIN; hu <= HU_MAX; hu++) {
    let q = toStored(hu, info.slope, info.intercept) * info.slope + info.intercept
    // Stay on the representable grid while keeping inside the CT scale.
    while (q > HU_MAX) q -= info.slope
    while (q < HU_MIN) q += info.slope
    table[hu - HU_MIN] = q
  }
  return table
}

/** Stored pixel values of one slice: HU → stored, padding outside the field of view. */
export function encodeSlice(hu: Int16Array, fov: Uint8Array, info: StorageInfo): Int16Array | Uint16Array {
  const out = info.pixelRepresentation === 1 ? new Int16Array(hu.length) : new Uint16Array(hu.length)
  for (let p = 0; p < hu.length; p++) {
    out[p] = fov[p] === 0 && info.padding !== null ? info.padding : toStored(hu[p]!, info.slope, info.intercept)
  }
  return out
}
