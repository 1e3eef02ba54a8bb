/**
 * Reads the frame header (SOF) of a JPEG codestream: sample precision and size. Not a decoder;
 * it lets the JPEG decoders pick the codec that fits the actual precision (files labelled
 * baseline but holding 12-bit data exist) and check the size against the DICOM header.
 */

export interface JpegFrameHeader {
  /** SOF marker, 0xC0–0xCF. 0xC3 is lossless (process 14). */
  marker: number
  precision: number
  rows: number
  columns: number
  components: number
}

const isSof = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc
/** JPEG-LS frame header (SOF55), same layout. */
const SOF55 = 0xf7

/**
 * The first SOF segment, or null if the stream has none before its first scan. `jpegLs`: read
 * JPEG-LS's SOF55 instead, so CharLS is never asked to allocate a size the header does not have.
 */
export function readJpegFrameHeader(data: Uint8Array, opts: { jpegLs?: boolean } = {}): JpegFrameHeader | null {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return null
  let i = 2
  while (i + 3 < data.length) {
    if (data[i] !== 0xff) return null
    const marker = data[i + 1]!
    if (marker === 0xff) {
      i++ // fill byte
      continue
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2 // markers without a length
      continue
    }
    if (marker === 0xda || marker === 0xd9) return null
    const length = (data[i + 2]! << 8) | data[i + 3]!
    if (opts.jpegLs ? marker === SOF55 : isSof(marker)) {
      if (i + 9 >= data.length) return null
      return {
        marker,
        precision: data[i + 4]!,
        rows: (data[i + 5]! << 8) | data[i + 6]!,
        columns: (data[i + 7]! << 8) | data[i + 8]!,
        components: data[i + 9]!,
      }
    }
    i += 2 + length
  }
  return null
}
