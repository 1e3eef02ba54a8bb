/**
 * JPEG 2000 (1.2.840.10008.1.2.4.90 lossless, .91 lossy) and High-Throughput JPEG 2000
 * (.201/.202/.203) with OpenJPEG's WebAssembly build (@cornerstonejs/codec-openjpeg): OpenJPEG
 * ≥ 2.5 decodes HTJ2K block coding too, so one codec serves both families.
 */
import { checkShape, copyBytes, sampleCount, toStoredValues, type CodecSamples } from './samples'
import type { Decoder } from './types'
import { CodecLog, codecError, once, quietEmscripten } from './wasm'

const log = new CodecLog()

const load = once(async () => {
  const { default: factory } = await import('@cornerstonejs/codec-openjpeg/decodewasmjs')
  return factory(quietEmscripten(log))
})

export const jpeg2000: Decoder = {
  name: 'JPEG 2000 (OpenJPEG)',
  initialize: async () => void (await load()),
  async decode(frame, info) {
    const codec = await load()
    const decoder = new codec.J2KDecoder()
    try {
      decoder.getEncodedBuffer(frame.length).set(frame)
      decoder.decode()
      const fi = decoder.getFrameInfo()
      checkShape(this.name, fi.width, fi.height, fi.componentCount, info)
      const n = sampleCount(info)
      const wide = fi.bitsPerSample > 8
      const bytes = copyBytes(decoder.getDecodedBuffer(), n * (wide ? 2 : 1))
      let samples: CodecSamples
      if (wide) samples = fi.isSigned ? new Int16Array(bytes.buffer) : new Uint16Array(bytes.buffer)
      else samples = fi.isSigned ? new Int8Array(bytes.buffer) : bytes
      return toStoredValues(samples, info, fi.bitsPerSample)
    } catch (err) {
      throw codecError(this.name, err, log)
    } finally {
      decoder.delete()
    }
  },
}
