/**
 * Shared last steps of every decoder: check the codec's image against the header, then turn the
 * codec's samples into stored values of the right typed array (sign extension included).
 */
import { CuratorError } from '../../../shared/errors'
import type { FrameInfo, PixelArray } from './types'

/** What codecs hand back: unsigned bit patterns, or values the codec already made signed. */
export type CodecSamples = Uint8Array | Uint16Array | Int8Array | Int16Array

/** Samples in one frame: rows × columns × samplesPerPixel. */
export function sampleCount(info: FrameInfo): number {
  return info.rows * info.columns * info.samplesPerPixel
}

/** Bytes in one native (uncompressed) frame. */
export function frameByteLength(info: FrameInfo): number {
  return sampleCount(info) * (info.bitsAllocated / 8)
}

/**
 * The array type of a frame's stored values. Signed 8-bit (never seen in CT, legal in DICOM) is
 * widened to Int16Array so its values stay exact.
 */
export function allocateOutput(info: FrameInfo, n = sampleCount(info)): PixelArray {
  if (info.pixelRepresentation === 1) return new Int16Array(n)
  return info.bitsAllocated === 8 ? new Uint8Array(n) : new Uint16Array(n)
}

/** A fresh copy starting at byte 0 of its own buffer, so 16-bit views are aligned. */
export function copyBytes(src: Uint8Array, byteLength = src.byteLength): Uint8Array {
  const out = new Uint8Array(byteLength)
  out.set(src.subarray(0, byteLength))
  return out
}

/** Throws when the codestream's image is not the one the header describes. */
export function checkShape(codec: string, width: number, height: number, components: number, info: FrameInfo): void {
  if (width === info.columns && height === info.rows && components === info.samplesPerPixel) return
  throw new CuratorError(
    'DICOM_BAD_HEADER',
    `${codec}: the compressed frame is ${width}×${height} with ${components} component(s), but the header says ` +
      `Columns ${info.columns} × Rows ${info.rows} with SamplesPerPixel ${info.samplesPerPixel}.`,
  )
}

/**
 * Converts codec samples to stored values. Takes ownership of `samples`: the result may be a
 * view of its buffer (no copy on the common paths), so pass an array nobody else holds.
 *
 * - Unsigned header (PixelRepresentation 0): values are kept as they are.
 * - Signed header: samples the codec already returns signed (J2K with a signed codestream) are
 *   kept as they are, as pydicom does. Unsigned bit patterns (JPEG, JPEG-LS and RLE know no sign;
 *   some J2K files carry signed pixels in an unsigned codestream) are sign-extended from
 *   min(BitsStored, codec precision) bits: the sign bit of a 12-bit value is bit 11 whatever the
 *   bits above it hold, and a 13-bit unsigned J2K codestream of a signed image holds 13-bit
 *   two's-complement patterns (pydicom's J2K_pixelrep_mismatch.dcm).
 */
export function toStoredValues(samples: CodecSamples, info: FrameInfo, precision: number): PixelArray {
  const n = sampleCount(info)
  if (samples.length < n) {
    throw new CuratorError('DICOM_BAD_HEADER', `The codec returned ${samples.length} samples; the header needs ${n}.`)
  }
  const signedByCodec = samples instanceof Int16Array || samples instanceof Int8Array
  const bits = Math.min(info.bitsStored, precision)
  // Fast paths: the samples already are the stored values, or a 16-bit reinterpretation of them.
  if (info.pixelRepresentation === 0) {
    if (samples instanceof Uint16Array && info.bitsAllocated === 16) return samples.subarray(0, n)
    if (samples instanceof Uint8Array && info.bitsAllocated === 8) return samples.subarray(0, n)
  } else {
    if (samples instanceof Int16Array) return samples.subarray(0, n)
    if (samples instanceof Uint16Array && bits === 16) return new Int16Array(samples.buffer, samples.byteOffset, n)
  }
  const out = allocateOutput(info, n)
  if (info.pixelRepresentation === 0 || signedByCodec) {
    if (signedByCodec && info.pixelRepresentation === 0) {
      // A signed codestream in an unsigned image: keep the bit patterns, as the header asks.
      const mask = info.bitsAllocated === 8 ? 0xff : 0xffff
      for (let i = 0; i < n; i++) out[i] = samples[i]! & mask
    } else {
      out.set(samples.subarray(0, n))
    }
    return out
  }
  signExtendInto(out, samples, n, bits)
  return out
}

/** out[i] = samples[i] read as a `bits`-bit two's-complement number (bits ≤ 16). */
export function signExtendInto(out: PixelArray, samples: ArrayLike<number>, n: number, bits: number): void {
  const shift = 32 - bits
  for (let i = 0; i < n; i++) out[i] = (samples[i]! << shift) >> shift
}
