/**
 * Native (uncompressed) little-endian pixel data: implicit VR LE, explicit VR LE, and deflated
 * explicit VR LE once inflated. The frame is copied into a fresh buffer so a 16-bit view is
 * aligned whatever the element's byte offset in the file.
 */
import { CuratorError } from '../../../shared/errors'
import { allocateOutput, copyBytes, frameByteLength, sampleCount, signExtendInto, toStoredValues } from './samples'
import type { Decoder, FrameInfo, PixelArray } from './types'

/** Typed arrays use the host's byte order; every platform Electron and Node ship on is little endian. */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Stored values of one frame from its little-endian bytes. */
export function decodeNativeLittleEndian(frame: Uint8Array, info: FrameInfo): PixelArray {
  if (info.bitsAllocated !== 8 && info.bitsAllocated !== 16) {
    throw new CuratorError('NOT_IMPLEMENTED', `BitsAllocated ${info.bitsAllocated} is not supported (only 8 and 16).`)
  }
  if (!HOST_IS_LITTLE_ENDIAN) throw new CuratorError('INTERNAL', 'Big-endian hosts are not supported.')
  const byteLength = frameByteLength(info)
  if (frame.byteLength < byteLength) {
    throw new CuratorError(
      'DICOM_TRUNCATED',
      `Pixel data is truncated: the frame needs ${byteLength} bytes, ${frame.byteLength} are present.`,
    )
  }
  const bytes = copyBytes(frame, byteLength)
  const samples = info.bitsAllocated === 8 ? bytes : new Uint16Array(bytes.buffer, 0, sampleCount(info))
  const shift = info.highBit + 1 - info.bitsStored
  if (shift > 0) return unshift(samples, info, shift)
  return toStoredValues(samples, info, info.bitsAllocated)
}

/**
 * Rare layout where the value does not start at bit 0 (HighBit > BitsStored − 1): move it down,
 * drop the bits around it, then sign-extend if signed.
 */
function unshift(samples: Uint8Array | Uint16Array, info: FrameInfo, shift: number): PixelArray {
  const n = sampleCount(info)
  const mask = (1 << info.bitsStored) - 1
  const values = new Uint16Array(n)
  for (let i = 0; i < n; i++) values[i] = (samples[i]! >> shift) & mask
  const out = allocateOutput(info, n)
  if (info.pixelRepresentation === 1) signExtendInto(out, values, n, info.bitsStored)
  else out.set(values)
  return out
}

export const nativeLittleEndian: Decoder = {
  name: 'native little endian',
  initialize: () => Promise.resolve(),
  decode: (frame, info) => Promise.resolve(decodeNativeLittleEndian(frame, info)),
}
