import { describe, expect, it } from 'vitest'
import { readJpegFrameHeader } from './jpegHeader'

describe('readJpegFrameHeader', () => {
  it('finds the SOF after other segments and fill bytes', () => {
    // SOI, an APP0 segment of length 4 (2 payload bytes), a fill byte, then SOF1 (extended):
    // P = 12, Y = 0x0200 (512), X = 0x0100 (256), one component.
    const stream = new Uint8Array([
      0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0xaa, 0xbb, 0xff, 0xff, 0xc1, 0x00, 0x0b, 0x0c, 0x02, 0x00, 0x01, 0x00, 0x01,
      0x01, 0x11, 0x00,
    ])
    expect(readJpegFrameHeader(stream)).toEqual({ marker: 0xc1, precision: 12, rows: 512, columns: 256, components: 1 })
  })

  it('returns null for non-JPEG data and for a scan before any frame header', () => {
    expect(readJpegFrameHeader(new Uint8Array([0xff, 0x4f, 0xff, 0x51, 0, 0]))).toBeNull() // a J2K codestream
    expect(readJpegFrameHeader(new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08]))).toBeNull()
  })

  it('does not mistake DHT (FFC4) for a frame header', () => {
    const stream = new Uint8Array([0xff, 0xd8, 0xff, 0xc4, 0x00, 0x02, 0xff, 0xc3, 0x00, 0x0b, 0x10, 0, 4, 0, 4, 1])
    expect(readJpegFrameHeader(stream)).toMatchObject({ marker: 0xc3, precision: 16, rows: 4, columns: 4 })
  })

  it('reads JPEG-LS SOF55 only when asked, so CharLS is checked before it allocates', () => {
    // SOI, SOF55 (len 11): precision 16, 65535 rows, 65535 columns, 1 component.
    const ls = Uint8Array.from([0xff, 0xd8, 0xff, 0xf7, 0, 11, 16, 0xff, 0xff, 0xff, 0xff, 1, 1, 0x11, 0])
    expect(readJpegFrameHeader(ls)).toBeNull()
    expect(readJpegFrameHeader(ls, { jpegLs: true })).toMatchObject({ marker: 0xf7, rows: 65535, columns: 65535, components: 1 })
  })
})
