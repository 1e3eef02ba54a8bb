/**
 * JPEG Lossless, non-hierarchical, process 14 with any predictor (1.2.840.10008.1.2.4.57) and
 * its selection-value-1 profile (.70), the most common compressed CT syntax. Decoded with
 * libjpeg's lossless codec (see libjpeg.ts for why not jpeg-lossless-decoder-js).
 */
import { decodeWithLibjpeg, loadLibjpeg } from './libjpeg'
import type { Decoder } from './types'

export const jpegLossless: Decoder = {
  name: 'JPEG lossless (libjpeg, dcmjs-codecs)',
  initialize: async () => void (await loadLibjpeg()),
  decode(frame, info) {
    return decodeWithLibjpeg(this.name, frame, info)
  },
}
