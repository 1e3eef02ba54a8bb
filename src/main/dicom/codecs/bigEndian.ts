/**
 * Explicit VR Big Endian (retired, but old archives hold it): 16-bit samples are byte-swapped
 * into little-endian order, then decoded as native data. dicom-parser already reads the header
 * with its big-endian parser when the meta header names this syntax.
 */
import { decodeNativeLittleEndian } from './native'
import { frameByteLength } from './samples'
import type { Decoder, FrameInfo, PixelArray } from './types'

export function decodeNativeBigEndian(frame: Uint8Array, info: FrameInfo): PixelArray {
  if (info.bitsAllocated !== 16) return decodeNativeLittleEndian(frame, info)
  const byteLength = Math.min(frame.byteLength, frameByteLength(info)) & ~1
  const swapped = new Uint8Array(byteLength)
  for (let i = 0; i < byteLength; i += 2) {
    swapped[i] = frame[i + 1]!
    swapped[i + 1] = frame[i]!
  }
  return decodeNativeLittleEndian(swapped, info)
}

export const nativeBigEndian: Decoder = {
  name: 'native big endian',
  initialize: () => Promise.resolve(),
  decode: (frame, info) => Promise.resolve(decodeNativeBigEndian(frame, info)),
}
