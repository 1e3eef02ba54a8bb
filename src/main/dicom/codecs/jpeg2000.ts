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

/**
 * The image size the codestream's SIZ marker claims, checked against the DICOM header before
 * OpenJPEG allocates for it: one flipped bit in Xsiz made it allocate ~1 GB for a 64×64 slice.
 * Null when no SOC + SIZ starts the frame (a JP2 wrapper, say): then the decoder decides.
 */
export function j2kCanvas(frame: Uint8Array): { width: number; height: number; components: number } | null {
  const at = frame.length >= 42 && frame[0] === 0xff && frame[1] === 0x4f && frame[2] === 0xff && frame[3] === 0x51 ? 4 : -1
  if (at < 0) return null
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  const x = dv.getUint32(at + 4)
  const y = dv.getUint32(at + 8)
  const xo = dv.getUint32(at + 12)
  const yo = dv.getUint32(at + 16)
  return { width: x - xo, height: y - yo, components: dv.getUint16(at + 36) }
}

export const jpeg2000: Decoder = {
  name: 'JPEG 2000 (OpenJPEG)',
  initialize: async () => void (await load()),
  async decode(frame, info) {
    const canvas = j2kCanvas(frame)
    if (canvas) checkShape(this.name, canvas.width, canvas.height, canvas.components, info)
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
