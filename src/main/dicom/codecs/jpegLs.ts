/**
 * JPEG-LS lossless (1.2.840.10008.1.2.4.80) and near-lossless (.81) with CharLS's WebAssembly
 * build (@cornerstonejs/codec-charls). JPEG-LS has no sign: signed images come back as bit
 * patterns and are sign-extended in toStoredValues.
 */
import { readJpegFrameHeader } from './jpegHeader'
import { checkShape, copyBytes, sampleCount, toStoredValues } from './samples'
import type { Decoder } from './types'
import { CodecLog, codecError, once, quietEmscripten } from './wasm'

const log = new CodecLog()

const load = once(async () => {
  const { default: factory } = await import('@cornerstonejs/codec-charls/decodewasmjs')
  return factory(quietEmscripten(log))
})

export const jpegLs: Decoder = {
  name: 'JPEG-LS (CharLS)',
  initialize: async () => void (await load()),
  async decode(frame, info) {
    const header = readJpegFrameHeader(frame, { jpegLs: true })
    if (header) checkShape(this.name, header.columns, header.rows, header.components, info)
    const codec = await load()
    const decoder = new codec.JpegLSDecoder()
    try {
      decoder.getEncodedBuffer(frame.length).set(frame)
      decoder.decode()
      const fi = decoder.getFrameInfo()
      checkShape(this.name, fi.width, fi.height, fi.componentCount, info)
      const n = sampleCount(info)
      const wide = fi.bitsPerSample > 8
      const bytes = copyBytes(decoder.getDecodedBuffer(), n * (wide ? 2 : 1))
      return toStoredValues(wide ? new Uint16Array(bytes.buffer) : bytes, info, fi.bitsPerSample)
    } catch (err) {
      throw codecError(this.name, err, log)
    } finally {
      decoder.delete()
    }
  },
}
