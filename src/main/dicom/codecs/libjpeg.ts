/**
 * The IJG libjpeg codecs (8-, 12- and 16-bit builds, lossy and lossless processes) as compiled
 * to WebAssembly in dcmjs-codecs. Serves JPEG Extended 12-bit, where the Cornerstone
 * libjpeg-turbo package is 8-bit only and the pdf.js-derived pure-JS decoders clamp or mis-scale
 * 12-bit samples, and JPEG Lossless, where jpeg-lossless-decoder-js 2.1.2 mispredicts a few
 * pixels of 16-bit images coded with selection values 6 and 7. Checked bit-exact against DCMTK's
 * dcmdjpeg in test/transferSyntax.test.ts.
 */
import { createRequire } from 'node:module'
import { readJpegFrameHeader } from './jpegHeader'
import { checkShape, copyBytes, sampleCount, toStoredValues } from './samples'
import type { FrameInfo, PixelArray } from './types'
import { codecError, once } from './wasm'

export const loadLibjpeg = once(async () => {
  const mod = await import('dcmjs-codecs')
  const api = (mod as unknown as { default?: typeof mod }).default ?? mod
  if (!api.NativeCodecs.isInitialized()) {
    // Resolved here rather than by the package (it looks next to its own script), so a bundled
    // main process still finds the file in node_modules.
    const wasm = createRequire(import.meta.url).resolve('dcmjs-codecs/build/dcmjs-native-codecs.wasm')
    await api.NativeCodecs.initializeAsync({ webAssemblyModulePathOrUrl: wasm })
  }
  return api
})

/** Decodes one JPEG codestream (any process libjpeg knows) into stored values. */
export async function decodeWithLibjpeg(codec: string, frame: Uint8Array, info: FrameInfo): Promise<PixelArray> {
  const { NativeCodecs, Context } = await loadLibjpeg()
  const header = readJpegFrameHeader(frame)
  if (header) checkShape(codec, header.columns, header.rows, header.components, info)
  const n = sampleCount(info)
  let decoded: Uint8Array | undefined
  try {
    const context = new Context({
      width: info.columns,
      height: info.rows,
      bitsAllocated: info.bitsAllocated,
      bitsStored: info.bitsStored,
      samplesPerPixel: info.samplesPerPixel,
      // Unsigned on purpose: JPEG samples carry no sign; toStoredValues applies it.
      pixelRepresentation: 0,
      planarConfiguration: 0,
      photometricInterpretation: info.photometricInterpretation,
      encodedBuffer: copyBytes(frame),
    })
    decoded = NativeCodecs.decodeJpeg(context, { convertColorspaceToRgb: false }).getDecodedBuffer()
  } catch (err) {
    throw codecError(codec, err)
  }
  if (!decoded || decoded.byteLength < n) throw codecError(codec, 'no image returned')
  const wide = decoded.byteLength >= 2 * n
  const bytes = copyBytes(decoded, n * (wide ? 2 : 1))
  return toStoredValues(wide ? new Uint16Array(bytes.buffer) : bytes, info, header?.precision ?? info.bitsStored)
}
