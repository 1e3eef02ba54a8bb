/**
 * Halves a volume on every axis for the viewer's first picture: 8× fewer voxels to send and
 * upload. HU are averaged over each 2×2×2 block (no aliasing of thin bright structures into
 * speckle); masks take the block's majority, ties inside, so thin lung edges do not vanish.
 * Blocks at an odd edge average the voxels they have.
 *
 * Both run once per case on a whole resampled volume (48 M voxels for a chest): whole blocks
 * take a loop of their own, with no callback per voxel; the partial blocks of odd edges take
 * the general one.
 */
import type { Vec3 } from '../../shared/api'

export const halfShape = (s: Vec3): Vec3 => [Math.ceil(s[0] / 2), Math.ceil(s[1] / 2), Math.ceil(s[2] / 2)]

/** Sum and voxel count of the block of output voxel (k, j, i), for blocks cut by an odd edge. */
function partialSum(src: ArrayLike<number>, [Z, Y, X]: Vec3, k: number, j: number, i: number): [number, number] {
  const nk = 2 * k + 1 < Z ? 2 : 1
  const nj = 2 * j + 1 < Y ? 2 : 1
  const ni = 2 * i + 1 < X ? 2 : 1
  let sum = 0
  for (let a = 0; a < nk; a++)
    for (let b = 0; b < nj; b++) {
      const row = (2 * k + a) * Y * X + (2 * j + b) * X + 2 * i
      sum += src[row]!
      if (ni === 2) sum += src[row + 1]!
    }
  return [sum, nk * nj * ni]
}

export function downsampleHu(src: Int16Array, shape: Vec3): Int16Array {
  const [Z, Y, X] = shape
  const [z, y, x] = halfShape(shape)
  const out = new Int16Array(z * y * x)
  const plane = Y * X
  const pairs = X >> 1
  for (let k = 0, o = 0; k < z; k++)
    for (let j = 0; j < y; j++, o += x) {
      if (2 * k + 1 < Z && 2 * j + 1 < Y) {
        const r0 = 2 * k * plane + 2 * j * X
        const r1 = r0 + X
        const r2 = r0 + plane
        const r3 = r2 + X
        // Math.round(sum / 8) of an integer sum is floor((sum + 4) / 8), half up as Math.round.
        for (let i = 0, c = 0; i < pairs; i++, c += 2)
          out[o + i] = (src[r0 + c]! + src[r0 + c + 1]! + src[r1 + c]! + src[r1 + c + 1]! + src[r2 + c]! + src[r2 + c + 1]! + src[r3 + c]! + src[r3 + c + 1]! + 4) >> 3
        if (pairs < x) {
          const [sum, n] = partialSum(src, shape, k, j, pairs)
          out[o + pairs] = Math.round(sum / n)
        }
      } else
        for (let i = 0; i < x; i++) {
          const [sum, n] = partialSum(src, shape, k, j, i)
          out[o + i] = Math.round(sum / n)
        }
    }
  return out
}

export function downsampleMask(src: Uint8Array, shape: Vec3): Uint8Array {
  const [Z, Y, X] = shape
  const [z, y, x] = halfShape(shape)
  const out = new Uint8Array(z * y * x)
  const plane = Y * X
  const pairs = X >> 1
  // With even rows on an even address, a block row's two voxels are one 16-bit word: four
  // words per block instead of eight bytes. Their sum holds each byte's count (at most 4, no
  // carry), so low byte + high byte is the block's.
  const words = X % 2 === 0 && src.byteOffset % 2 === 0 ? new Uint16Array(src.buffer, src.byteOffset, src.length >> 1) : null
  for (let k = 0, o = 0; k < z; k++)
    for (let j = 0; j < y; j++, o += x) {
      if (2 * k + 1 < Z && 2 * j + 1 < Y) {
        const r0 = 2 * k * plane + 2 * j * X
        const r1 = r0 + X
        const r2 = r0 + plane
        const r3 = r2 + X
        if (words) {
          const w0 = r0 >> 1
          const w1 = r1 >> 1
          const w2 = r2 >> 1
          const w3 = r3 >> 1
          for (let i = 0; i < pairs; i++) {
            const t = words[w0 + i]! + words[w1 + i]! + words[w2 + i]! + words[w3 + i]!
            out[o + i] = (t & 0xff) + (t >> 8) >= 4 ? 1 : 0
          }
        } else
          for (let i = 0, c = 0; i < pairs; i++, c += 2)
            out[o + i] = src[r0 + c]! + src[r0 + c + 1]! + src[r1 + c]! + src[r1 + c + 1]! + src[r2 + c]! + src[r2 + c + 1]! + src[r3 + c]! + src[r3 + c + 1]! >= 4 ? 1 : 0
        if (pairs < x) {
          const [sum, n] = partialSum(src, shape, k, j, pairs)
          out[o + pairs] = 2 * sum >= n ? 1 : 0
        }
      } else
        for (let i = 0; i < x; i++) {
          const [sum, n] = partialSum(src, shape, k, j, i)
          out[o + i] = 2 * sum >= n ? 1 : 0
        }
    }
  return out
}
