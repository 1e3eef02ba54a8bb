/**
 * A picture of a result for the reviewer: an axial and a coronal slice of the resampled volume
 * in a lung window, with the lung mask tinted over them. The slices are the ones that cut the
 * most mask (the middle of the volume when the mask is empty), so a leak, a missing lung or a
 * mask that took the table is visible at a glance without opening the 3D view.
 */
import type { Vec3 } from '../../shared/api'

export interface Preview {
  width: number
  height: number
  /** RGBA, row by row. */
  rgba: Uint8Array
  /** The axial slice (z index) and coronal row (y index) shown. */
  z: number
  y: number
}

/** Lung window: level −600 HU, width 1500 HU. */
export const PREVIEW_WINDOW = { level: -600, width: 1500 }
const MASK_RGB = [0, 190, 255] as const
const MASK_ALPHA = 0.45
const GAP = 4
const BACKGROUND = 24

/** The axial slice and coronal row holding the most mask voxels (the middle when there are none). */
function busiest(mask: Uint8Array | null, shape: Vec3): { z: number; y: number } {
  const [Z, Y, X] = shape
  const perZ = new Float64Array(Z)
  const perY = new Float64Array(Y)
  if (mask) {
    // Four voxels at a time: the mask's bytes as words of the buffer from its first 4-byte
    // boundary (byte i is in word (i + shift) >> 2). Adding words adds their four bytes side by
    // side; a 0/1 mask's byte sums stay under 256 for 255 words, so no byte carries into the next.
    const shift = mask.byteOffset & 3
    const words = new Int32Array(mask.buffer, mask.byteOffset - shift, (mask.length + shift) >> 2)
    for (let z = 0; z < Z; z++)
      for (let y = 0; y < Y; y++) {
        let i = (z * Y + y) * X
        const e = i + X
        let n = 0
        while (i < e && ((i + shift) & 3) !== 0) n += mask[i++]!
        const wEnd = (e + shift) >> 2
        for (let w = (i + shift) >> 2; w < wEnd; ) {
          let acc = 0
          for (const stop = Math.min(wEnd, w + 255); w < stop; w++) acc = (acc + words[w]!) | 0
          n += (acc & 0xff) + ((acc >>> 8) & 0xff) + ((acc >>> 16) & 0xff) + (acc >>> 24)
        }
        for (i = Math.max(i, (wEnd << 2) - shift); i < e; i++) n += mask[i]!
        perZ[z]! += n
        perY[y]! += n
      }
  }
  const argmax = (counts: Float64Array): number => {
    let best = -1
    for (let k = 0; k < counts.length; k++) if (counts[k]! > 0 && (best < 0 || counts[k]! > counts[best]!)) best = k
    return best < 0 ? Math.floor(counts.length / 2) : best
  }
  return { z: argmax(perZ), y: argmax(perY) }
}

/**
 * @param image resampled HU volume [z][y][x], slices in ascending patient z (feet first), so the
 *   coronal panel is drawn with its last slice at the top
 * @param maxSide longest panel side in pixels
 */
export function renderPreview(image: Int16Array, mask: Uint8Array | null, shape: Vec3, spacing: Vec3, maxSide = 256): Preview {
  const [Z, Y, X] = shape
  if (image.length !== Z * Y * X || (mask && mask.length !== image.length))
    throw new RangeError(`renderPreview: ${image.length} voxels for shape [${shape.join(', ')}]`)
  const [sz, sy, sx] = spacing
  const { z, y } = busiest(mask, shape)
  // One scale for both panels (mm → px), so their sizes compare.
  const scale = maxSide / Math.max(Z * sz, Y * sy, X * sx)
  const w = Math.max(1, Math.round(X * sx * scale))
  const axialH = Math.max(1, Math.round(Y * sy * scale))
  const coronalH = Math.max(1, Math.round(Z * sz * scale))
  const width = 2 * w + GAP
  const height = Math.max(axialH, coronalH)
  const rgba = new Uint8Array(width * height * 4).fill(BACKGROUND)
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255
  const lo = PREVIEW_WINDOW.level - PREVIEW_WINDOW.width / 2
  const put = (px: number, py: number, voxel: number): void => {
    const g = Math.max(0, Math.min(255, ((image[voxel]! - lo) / PREVIEW_WINDOW.width) * 255))
    const o = (py * width + px) * 4
    if (mask && mask[voxel]) {
      rgba[o] = g * (1 - MASK_ALPHA) + MASK_RGB[0] * MASK_ALPHA
      rgba[o + 1] = g * (1 - MASK_ALPHA) + MASK_RGB[1] * MASK_ALPHA
      rgba[o + 2] = g * (1 - MASK_ALPHA) + MASK_RGB[2] * MASK_ALPHA
    } else rgba[o] = rgba[o + 1] = rgba[o + 2] = g
  }
  const col = (px: number): number => Math.min(X - 1, Math.floor(((px + 0.5) / w) * X))
  for (let py = 0; py < axialH; py++) {
    const yy = Math.min(Y - 1, Math.floor(((py + 0.5) / axialH) * Y))
    for (let px = 0; px < w; px++) put(px, py, (z * Y + yy) * X + col(px))
  }
  for (let py = 0; py < coronalH; py++) {
    const zz = Z - 1 - Math.min(Z - 1, Math.floor(((py + 0.5) / coronalH) * Z))
    for (let px = 0; px < w; px++) put(w + GAP + px, py, (zz * Y + y) * X + col(px))
  }
  return { width, height, rgba, z, y }
}
