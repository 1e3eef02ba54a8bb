/**
 * The 3D view's volume as 8-bit codes: HU from −1024 in steps of 16 HU (−1024 → 0, 3056 → 255).
 *
 * vtk.js turns an int16 volume into a float32 texture (a conversion pass in JS and four bytes
 * per voxel to upload); a uint8 volume goes up as it is, a quarter of the bytes. 16 HU per step
 * is far below what a transfer function shows (the lungs preset's ramps span 100–300 HU), and
 * the slice views keep the exact int16 values.
 */
export const CODE_MIN_HU = -1024
export const CODE_STEP_HU = 16

/** The code of a HU value, fractional and clamped to [0, 255]: where a transfer function's control point goes. */
export function huToCode(hu: number): number {
  const c = (hu - CODE_MIN_HU) / CODE_STEP_HU
  return c < 0 ? 0 : c > 255 ? 255 : c
}

let table: Uint8Array | null = null

/** One entry per int16 value (index = HU + 32768), rounded to the nearest code. */
function lookup(): Uint8Array {
  if (!table) {
    table = new Uint8Array(65536)
    for (let i = 0; i < 65536; i++) table[i] = Math.round(huToCode(i - 32768))
  }
  return table
}

/** Encodes a volume; also returns the codes' range, which vtk.js would otherwise compute in another pass. */
export function encodeHuCodes(hu: Int16Array, out: Uint8Array = new Uint8Array(hu.length)): { codes: Uint8Array; min: number; max: number } {
  const t = lookup()
  let min = 255
  let max = 0
  for (let i = 0; i < hu.length; i++) {
    const c = t[hu[i]! + 32768]!
    out[i] = c
    if (c < min) min = c
    if (c > max) max = c
  }
  return { codes: out, min: hu.length ? min : 0, max: hu.length ? max : 0 }
}
