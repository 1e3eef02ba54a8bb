/**
 * JPEG Extended, processes 2 & 4 (1.2.840.10008.1.2.4.51): lossy DCT JPEG with 8- or 12-bit
 * samples, as older CT archives hold it. Decoded with libjpeg's 12-bit build (see libjpeg.ts).
 */
import { decodeWithLibjpeg, loadLibjpeg } from './libjpeg'
import type { Decoder } from './types'

export const jpegExtended: Decoder = {
  name: 'JPEG extended 8/12-bit (libjpeg, dcmjs-codecs)',
  initialize: async () => void (await loadLibjpeg()),
  decode(frame, info) {
    return decodeWithLibjpeg(this.name, frame, info)
  },
}
