/**
 * JPEG Baseline, process 1 (1.2.840.10008.1.2.4.50): 8-bit lossy DCT JPEG, decoded with
 * libjpeg-turbo's WebAssembly build (@cornerstonejs/codec-libjpeg-turbo-8bit). Streams whose
 * frame header says 12 bits (mislabelled files exist) go to the 12-bit decoder instead.
 */
import { jpegExtended } from './jpegExtended'
import { readJpegFrameHeader } from './jpegHeader'
import { checkShape, copyBytes, sampleCount, toStoredValues } from './samples'
import type { Decoder } from './types'
import { CodecLog, codecError, once, quietEmscripten } from './wasm'

const log = new CodecLog()

const load = once(async () => {
  const { default: factory } = await import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs')
  return factory(quietEmscripten(log))
})

export const jpegBaseline: Decoder = {
  name: 'JPEG baseline 8-bit (libjpeg-turbo)',
  initialize: async () => void (await load()),
  async decode(frame, info) {
    const header = readJpegFrameHeader(frame)
    if (header && header.precision > 8) return jpegExtended.decode(frame, info)
    const codec = await load()
    const decoder = new codec.JPEGDecoder()
    try {
      decoder.getEncodedBuffer(frame.length).set(frame)
      decoder.decode()
      const fi = decoder.getFrameInfo()
      checkShape(this.name, fi.width, fi.height, fi.componentCount, info)
      const bytes = copyBytes(decoder.getDecodedBuffer(), sampleCount(info))
      return toStoredValues(bytes, info, 8)
    } catch (err) {
      throw codecError(this.name, err, log)
    } finally {
      decoder.delete()
    }
  },
}
