/**
 * RLE Lossless (1.2.840.10008.1.2.5) with dicom-rle. The decoder rebuilds the native
 * little-endian byte layout, which is then read like uncompressed data.
 */
import { decodeNativeLittleEndian } from './native'
import { copyBytes } from './samples'
import type { Decoder } from './types'
import { codecError, once } from './wasm'

const load = once(async () => {
  const mod = await import('dicom-rle')
  // A webpack UMD build: Node's ESM loader exposes it as the default export only.
  return mod.RleDecoder ?? (mod as unknown as { default: typeof mod }).default.RleDecoder
})

export const rle: Decoder = {
  name: 'RLE lossless (dicom-rle)',
  initialize: async () => void (await load()),
  async decode(frame, info) {
    const RleDecoder = await load()
    let bytes: Uint8Array
    try {
      // dicom-rle reads from byte 0 of the buffer, ignoring byteOffset: hand it a copy.
      bytes = new RleDecoder().decode(copyBytes(frame), {
        width: info.columns,
        height: info.rows,
        bitsAllocated: info.bitsAllocated,
        samplesPerPixel: info.samplesPerPixel,
        planarConfiguration: info.planarConfiguration ?? 0,
      })
    } catch (err) {
      throw codecError(this.name, err)
    }
    return decodeNativeLittleEndian(bytes, info)
  },
}
