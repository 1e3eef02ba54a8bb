/**
 * A cached lung mask as a `.bits` file: 8 bits per byte instead of one voxel per byte, then
 * zlib (level 1), so a chest's two masks cost ~1 % of its resampled volume instead of 100 %.
 *
 * Layout (little endian): magic "CTCMASK1" (8 bytes), shape z, y, x (3 × uint32), then a zlib
 * stream of the voxels in C order packed as NumPy's `np.packbits(mask.ravel(), bitorder='little')`
 * does (voxel i is bit i % 8 of byte i / 8), so Python reads one back in a line:
 * `np.unpackbits(np.frombuffer(zlib.decompress(raw[20:]), np.uint8), bitorder='little')[:n]`.
 */
import { promisify } from 'node:util'
import { deflate, inflate, constants } from 'node:zlib'
import type { Vec3 } from '../../shared/api'
import { CuratorError } from '../../shared/errors'

const MAGIC = 'CTCMASK1'
export const PACKED_HEADER_BYTES = 20

const deflateAsync = promisify(deflate)
const inflateAsync = promisify(inflate)

/**
 * Four 0/1 bytes of a little-endian word → their 4 bits, in voxel order: the multiplier moves
 * byte k's bit to bit 24 + k, and no two partial products share a bit, so nothing carries.
 */
const nibble = (w: number): number => (Math.imul(w, 0x01020408) >>> 24) & 0xf

/** Voxel i (0 or 1; anything non-zero counts as 1) → bit i % 8 of byte ⌊i / 8⌋. */
export function packBits(mask: Uint8Array, out = new Uint8Array((mask.length + 7) >> 3)): Uint8Array {
  const n = mask.length
  const full = n & ~7
  let o = 0
  let i = 0
  // Two words per output byte where the mask is word-aligned (a carved or pooled mask is) and
  // holds only 0 and 1; a byte of any other value sends that group to the byte-wise way.
  if (mask.byteOffset % 4 === 0) {
    const w = new Uint32Array(mask.buffer, mask.byteOffset, full >> 2)
    for (let j = 0; i < full; i += 8, o++, j += 2) {
      const a = w[j]!
      const b = w[j + 1]!
      if (((a | b) & 0xfefefefe) === 0) out[o] = (a | b) === 0 ? 0 : nibble(a) | (nibble(b) << 4)
      else out[o] = packByte(mask, i)
    }
  }
  for (; i < full; i += 8, o++) out[o] = packByte(mask, i)
  if (full < n) {
    let b = 0
    for (let i = full; i < n; i++) if (mask[i]) b |= 1 << (i - full)
    out[o] = b
  }
  return out
}

function packByte(mask: Uint8Array, i: number): number {
  return (
    (mask[i] ? 1 : 0) |
    (mask[i + 1] ? 2 : 0) |
    (mask[i + 2] ? 4 : 0) |
    (mask[i + 3] ? 8 : 0) |
    (mask[i + 4] ? 16 : 0) |
    (mask[i + 5] ? 32 : 0) |
    (mask[i + 6] ? 64 : 0) |
    (mask[i + 7] ? 128 : 0)
  )
}

/** Voxels set in a 0/1 mask (any non-zero byte counts once). */
export function countOnes(mask: Uint8Array): number {
  const n = mask.length
  let s = 0
  let i = 0
  while (i < n && (mask.byteOffset + i) % 4 !== 0) s += mask[i++] ? 1 : 0
  const words = (n - i) >> 2
  if (words > 0) {
    const w = new Uint32Array(mask.buffer, mask.byteOffset + i, words)
    for (let j = 0; j < words; j++) {
      const v = w[j]!
      if (v === 0) continue
      // Four 0/1 bytes summed into the top byte; anything else counted byte by byte.
      if ((v & 0xfefefefe) === 0) s += Math.imul(v, 0x01010101) >>> 24
      else s += (v & 0xff ? 1 : 0) + (v & 0xff00 ? 1 : 0) + (v & 0xff0000 ? 1 : 0) + (v >>> 24 ? 1 : 0)
    }
    i += words * 4
  }
  for (; i < n; i++) s += mask[i] ? 1 : 0
  return s
}

/** Byte b of a packed mask as its eight 0/1 voxels: two little-endian uint32 words per byte. */
const UNPACK_LUT = (() => {
  const t = new Uint32Array(512)
  for (let b = 0; b < 256; b++) {
    for (let k = 0; k < 4; k++) {
      t[2 * b]! |= ((b >> k) & 1) << (8 * k)
      t[2 * b + 1]! |= ((b >> (k + 4)) & 1) << (8 * k)
    }
  }
  return t
})()
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** The inverse of `packBits`: `n` voxels of 0/1. */
export function unpackBits(packed: Uint8Array, n: number, out: Uint8Array = new Uint8Array(n)): Uint8Array {
  if (packed.length < (n + 7) >> 3) throw new CuratorError('INTERNAL', `packed mask holds ${packed.length * 8} voxels, expected ${n}`)
  const full = n & ~7
  if (LITTLE_ENDIAN && out.byteOffset % 4 === 0) {
    // Eight voxels per two word stores, and most bytes of a lung mask are all outside: zero the
    // output at memset speed and visit only the bytes that hold a voxel (an export unpacks
    // hundreds of MB of masks).
    const w = new Uint32Array(out.buffer, out.byteOffset, full >> 2)
    w.fill(0)
    const lut = UNPACK_LUT
    for (let o = 0, end = full >> 3; o < end; o++) {
      const b = packed[o]!
      if (b === 0) continue
      w[2 * o] = lut[2 * b]!
      w[2 * o + 1] = lut[2 * b + 1]!
    }
  } else {
    for (let i = 0, o = 0; i < full; i += 8, o++) {
      const b = packed[o]!
      for (let k = 0; k < 8; k++) out[i + k] = (b >> k) & 1
    }
  }
  const o = full >> 3
  for (let i = full; i < n; i++) out[i] = (packed[o]! >> (i - full)) & 1
  return out
}

const POPCOUNT = (() => {
  const t = new Uint8Array(256)
  for (let b = 1; b < 256; b++) t[b] = (b & 1) + t[b >> 1]!
  return t
})()

/** Voxels set among the first `n` of a packed mask. */
export function countBits(packed: Uint8Array, n: number): number {
  const full = n >> 3
  let s = 0
  let o = 0
  while (o < full && (packed.byteOffset + o) % 4 !== 0) s += POPCOUNT[packed[o++]!]!
  // A word at a time, skipping the all-outside words most of a lung mask is made of.
  const words = (full - o) >> 2
  if (words > 0) {
    const w = new Uint32Array(packed.buffer, packed.byteOffset + o, words)
    for (let i = 0; i < words; i++) {
      let v = w[i]!
      if (v === 0) continue
      v = v - ((v >>> 1) & 0x55555555)
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
      s += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24
    }
    o += words * 4
  }
  for (; o < full; o++) s += POPCOUNT[packed[o]!]!
  if (n & 7) s += POPCOUNT[packed[full]! & ((1 << (n & 7)) - 1)]!
  return s
}

/** The whole `.bits` file for a mask. Compression runs on libuv's thread pool, off the caller's thread. */
export async function encodePackedMask(mask: Uint8Array, shape: Vec3): Promise<Uint8Array> {
  if (shape[0] * shape[1] * shape[2] !== mask.length)
    throw new CuratorError('INTERNAL', `mask of ${mask.length} voxels does not fit shape [${shape.join(', ')}]`)
  const body = await deflateAsync(packBits(mask), { level: 1, strategy: constants.Z_DEFAULT_STRATEGY })
  const out = new Uint8Array(PACKED_HEADER_BYTES + body.byteLength)
  out.set(Buffer.from(MAGIC, 'latin1'), 0)
  const dv = new DataView(out.buffer)
  shape.forEach((s, i) => dv.setUint32(8 + 4 * i, s, true))
  out.set(body, PACKED_HEADER_BYTES)
  return out
}

/** A mask still packed: voxel i is bit i % 8 of `bits[i >> 3]`. */
export interface PackedMask {
  bits: Uint8Array
  shape: Vec3
  /** Voxels set (non-zero). */
  voxelsSet: number
}

/** Reads a `.bits` file's bytes back into packed voxels; `what` names the file in errors. */
export async function inflatePackedMask(bytes: Uint8Array, what: string): Promise<PackedMask> {
  if (bytes.byteLength < PACKED_HEADER_BYTES || Buffer.from(bytes.buffer, bytes.byteOffset, 8).toString('latin1') !== MAGIC)
    throw new CuratorError('INTERNAL', `${what} is not a packed mask (bad magic); process the scan again.`)
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const shape: Vec3 = [dv.getUint32(8, true), dv.getUint32(12, true), dv.getUint32(16, true)]
  const n = shape[0] * shape[1] * shape[2]
  let bits: Uint8Array
  try {
    // One output chunk of the expected size: the default 16 kB chunks cost a callback and a copy each.
    bits = await inflateAsync(bytes.subarray(PACKED_HEADER_BYTES), { chunkSize: Math.max(64, ((n + 7) >> 3) + 64) })
  } catch (err) {
    throw new CuratorError('INTERNAL', `${what} is damaged (${(err as Error).message}); process the scan again.`)
  }
  if (bits.byteLength !== (n + 7) >> 3)
    throw new CuratorError('INTERNAL', `${what} holds ${bits.byteLength} bytes for a [${shape.join(', ')}] mask; process the scan again.`)
  return { bits, shape, voxelsSet: countBits(bits, n) }
}

/** Reads a `.bits` file's bytes back into a 0/1 mask; `what` names the file in errors. */
export async function decodePackedMask(bytes: Uint8Array, what: string): Promise<{ data: Uint8Array; shape: Vec3; voxelsSet: number }> {
  const { bits, shape, voxelsSet } = await inflatePackedMask(bytes, what)
  return { data: unpackBits(bits, shape[0] * shape[1] * shape[2]), shape, voxelsSet }
}
