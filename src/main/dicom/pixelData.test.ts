import { deflateRawSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { CuratorError } from '../../shared/errors'
import { decodeFrame, frameInfo, parseDicom } from './pixelData'

// ---- a tiny DICOM writer: just enough to build literal test files ------------------------------

type El = [tag: number, vr: string, value: Uint8Array]
const LONG_VRS = new Set(['OB', 'OW', 'SQ', 'UN', 'UT'])

function u16(v: number, le = true): Uint8Array {
  const b = new Uint8Array(2)
  new DataView(b.buffer).setUint16(0, v & 0xffff, le)
  return b
}
const str = (s: string): Uint8Array =>
  new TextEncoder().encode(s.length % 2 ? `${s}${s.startsWith('1.') ? '\0' : ' '}` : s)
/** 16-bit words as pixel bytes. */
const words = (ws: number[], le = true): Uint8Array => concat(ws.map((w) => u16(w, le)))
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

function encode(elements: El[], opts: { explicit?: boolean; le?: boolean } = {}): Uint8Array {
  const { explicit = true, le = true } = opts
  const parts: Uint8Array[] = []
  for (const [tag, vr, value] of [...elements].sort((a, b) => a[0] - b[0])) {
    const head = new Uint8Array(explicit && LONG_VRS.has(vr) ? 12 : 8)
    const dv = new DataView(head.buffer)
    dv.setUint16(0, tag >>> 16, le)
    dv.setUint16(2, tag & 0xffff, le)
    if (!explicit) dv.setUint32(4, value.length, le)
    else if (LONG_VRS.has(vr)) {
      head.set(str(vr), 4)
      dv.setUint32(8, value.length, le)
    } else {
      head.set(str(vr), 4)
      dv.setUint16(6, value.length, le)
    }
    parts.push(head, value)
  }
  return concat(parts)
}

/** A Part 10 file: preamble, DICM, meta group, then the data set encoded for `ts`. */
function part10(ts: string, dataSet: Uint8Array): Uint8Array {
  const meta = encode([[0x00020010, 'UI', str(ts)]])
  const groupLength = encode([[0x00020000, 'UL', new Uint8Array(new Uint32Array([meta.length]).buffer)]])
  const preamble = new Uint8Array(132)
  preamble.set(str('DICM'), 128)
  return concat([preamble, groupLength, meta, dataSet])
}

const IMPLICIT = '1.2.840.10008.1.2'
const EXPLICIT = '1.2.840.10008.1.2.1'

interface Image {
  rows?: number
  cols?: number
  bitsAllocated?: number
  bitsStored?: number
  highBit?: number
  signed?: boolean
  frames?: number
  pixels?: Uint8Array | null
}

function imageElements(img: Image, le = true): El[] {
  const { rows = 2, cols = 2, bitsAllocated = 16, signed = true } = img
  const bitsStored = img.bitsStored ?? bitsAllocated
  const els: El[] = [
    [0x00080060, 'CS', str('CT')],
    [0x00280002, 'US', u16(1, le)],
    [0x00280004, 'CS', str('MONOCHROME2')],
    [0x00280010, 'US', u16(rows, le)],
    [0x00280011, 'US', u16(cols, le)],
    [0x00280100, 'US', u16(bitsAllocated, le)],
    [0x00280101, 'US', u16(bitsStored, le)],
    [0x00280102, 'US', u16(img.highBit ?? bitsStored - 1, le)],
    [0x00280103, 'US', u16(signed ? 1 : 0, le)],
  ]
  if (img.frames !== undefined) els.push([0x00280008, 'IS', str(String(img.frames))])
  if (img.pixels !== null)
    els.push([0x7fe00010, bitsAllocated === 8 ? 'OB' : 'OW', img.pixels ?? new Uint8Array(rows * cols * 2)])
  return els
}

const file = (img: Image, ts = EXPLICIT): Uint8Array =>
  part10(ts, encode(imageElements(img), { explicit: ts !== IMPLICIT }))

async function decode(bytes: Uint8Array, frameIndex = 0) {
  const { dataSet, transferSyntaxUid } = parseDicom(bytes)
  return decodeFrame(bytes, dataSet, transferSyntaxUid, frameIndex)
}

/** Runs `f` and returns the CuratorError it throws (fails the test if it throws anything else). */
async function curatorError(f: () => unknown): Promise<CuratorError> {
  try {
    await f()
  } catch (err) {
    expect(err).toBeInstanceOf(CuratorError)
    return err as CuratorError
  }
  throw new Error('expected a CuratorError, nothing was thrown')
}

// ---- tests -------------------------------------------------------------------------------------

describe('decodeFrame: stored values', () => {
  it('sign-extends 12-bit signed pixels from bit 11 whatever the upper bits hold', async () => {
    // 0x0FFF is 12-bit −1; 0x0800 the most negative 12-bit value; 0xF830 is −2000 written as a
    // full 16-bit word, 0x0830 the same value with the unused upper bits left zero.
    const bytes = file({ cols: 5, rows: 1, bitsStored: 12, pixels: words([0x0fff, 0x0800, 0x07ff, 0xf830, 0x0830, 0]) })
    const { pixels } = await decode(bytes)
    expect(pixels).toBeInstanceOf(Int16Array)
    expect([...pixels]).toEqual([-1, -2048, 2047, -2000, -2000])
  })

  it('keeps unsigned values as stored, upper bits included (no masking)', async () => {
    // 63536 in a 12-bit unsigned image is GE's padding written outside the range: masking it to
    // 12 bits would turn padding into a plausible tissue value (0xE30 = 3632).
    const { pixels } = await decode(
      file({ cols: 2, rows: 1, bitsStored: 12, signed: false, pixels: words([4095, 63536]) }),
    )
    expect(pixels).toBeInstanceOf(Uint16Array)
    expect([...pixels]).toEqual([4095, 63536])
  })

  it('moves values down when HighBit sits above BitsStored − 1', async () => {
    // 12 bits stored in bits 4..15: 0xFFF0 is −1, 0x7FF0 is 2047, the low nibble is not pixel data.
    const { pixels } = await decode(
      file({ cols: 2, rows: 1, bitsStored: 12, highBit: 15, pixels: words([0xfff7, 0x7ff0]) }),
    )
    expect([...pixels]).toEqual([-1, 2047])
  })

  it('widens signed 8-bit pixels to Int16Array, unsigned 8-bit stays Uint8Array', async () => {
    const px = new Uint8Array([0xff, 0x80, 0x7f, 0x00])
    const signed = await decode(file({ bitsAllocated: 8, signed: true, pixels: px }))
    expect(signed.pixels).toBeInstanceOf(Int16Array)
    expect([...signed.pixels]).toEqual([-1, -128, 127, 0])
    const unsigned = await decode(file({ bitsAllocated: 8, signed: false, pixels: px }))
    expect(unsigned.pixels).toBeInstanceOf(Uint8Array)
    expect([...unsigned.pixels]).toEqual([255, 128, 127, 0])
  })

  it('reads pixel data at an odd byte offset (file bytes inside a larger buffer)', async () => {
    const bytes = file({ pixels: words([1, 0xffff, 300, 0x8000]) })
    const holder = new Uint8Array(bytes.length + 1)
    holder.set(bytes, 1)
    const shifted = holder.subarray(1)
    expect(shifted.byteOffset % 2).toBe(1)
    const { pixels } = await decode(shifted)
    expect([...pixels]).toEqual([1, -1, 300, -32768])
  })

  it('picks the requested frame of a multi-frame image and rejects frames that do not exist', async () => {
    const bytes = file({ frames: 2, pixels: words([1, 2, 3, 4, 5, 6, 7, 8]) })
    expect([...(await decode(bytes, 1)).pixels]).toEqual([5, 6, 7, 8])
    expect((await curatorError(() => decode(bytes, 2))).code).toBe('BAD_ARGUMENT')
  })

  it('byte-swaps explicit VR big endian pixel data (and reads the header big endian)', async () => {
    const ds = encode(imageElements({ pixels: words([1, 0xfffe, 0x1234, 0x8000], false) }, false), { le: false })
    const { pixels, info } = await decode(part10('1.2.840.10008.1.2.2', ds))
    expect(info.rows).toBe(2)
    expect([...pixels]).toEqual([1, -2, 0x1234, -32768])
  })

  it('inflates deflated files, also when reading only a prefix up to PixelData', async () => {
    const body = encode(imageElements({ pixels: words([10, 20, 30, 40]) }))
    const bytes = part10('1.2.840.10008.1.2.1.99', deflateRawSync(body))
    expect([...(await decode(bytes)).pixels]).toEqual([10, 20, 30, 40])
    const head = parseDicom(bytes.subarray(0, bytes.length - 4), { untilTag: 'x7fe00010' })
    expect(frameInfo(head.dataSet).rows).toBe(2)
  })
})

describe('parseDicom: raw data sets without preamble', () => {
  it('detects implicit and explicit VR little endian from the first element', async () => {
    const px = words([7, 8, 9, 0xfff6])
    for (const explicit of [false, true]) {
      const raw = encode(imageElements({ pixels: px }), { explicit })
      const { transferSyntaxUid } = parseDicom(raw)
      expect(transferSyntaxUid).toBe(explicit ? EXPLICIT : IMPLICIT)
      expect([...(await decode(raw)).pixels]).toEqual([7, 8, 9, -10])
    }
  })

  it('reads a meta header that lacks the preamble', async () => {
    const withPreamble = file({ pixels: words([1, 2, 3, 4]) })
    expect([...(await decode(withPreamble.subarray(132))).pixels]).toEqual([1, 2, 3, 4])
  })

  it('rejects files that are not DICOM, and empty ones', async () => {
    const text = new TextEncoder().encode('Thumbs.db is not a DICOM file, nor is this README at all.')
    expect((await curatorError(() => parseDicom(text))).code).toBe('DICOM_NOT_DICOM')
    const jpeg = new Uint8Array(200).fill(0xff)
    expect((await curatorError(() => parseDicom(jpeg))).code).toBe('DICOM_NOT_DICOM')
    expect((await curatorError(() => parseDicom(new Uint8Array(0)))).code).toBe('DICOM_EMPTY_FILE')
  })
})

describe('errors', () => {
  it('reports a file cut inside its pixel data as DICOM_TRUNCATED, with the sizes', async () => {
    const bytes = file({ rows: 4, cols: 4, pixels: new Uint8Array(32) })
    const cut = bytes.subarray(0, bytes.length - 12)
    const err = await curatorError(() => parseDicom(cut))
    expect(err.code).toBe('DICOM_TRUNCATED')
    expect(err.message).toContain('4×4×2 = 32 bytes')
    expect(err.message).toContain('20 bytes')
    // Implicit VR: dicom-parser itself does not notice; parseDicom still must.
    const implicit = file({ rows: 4, cols: 4, pixels: new Uint8Array(32) }, IMPLICIT)
    expect((await curatorError(() => parseDicom(implicit.subarray(0, implicit.length - 12)))).code).toBe(
      'DICOM_TRUNCATED',
    )
  })

  it('reports a PixelData element shorter than Rows × Columns as DICOM_TRUNCATED', async () => {
    const err = await curatorError(() => decode(file({ rows: 512, cols: 512, pixels: new Uint8Array(1000) })))
    expect(err.code).toBe('DICOM_TRUNCATED')
    expect(err.message).toContain('512×512×2 = 524288 bytes')
    expect(err.message).toContain('1000 bytes')
  })

  it('refuses absurd sizes before allocating anything', async () => {
    // 65535² samples would be 8 GiB of Int16: must fail on the header alone.
    const huge = await curatorError(() => decode(file({ rows: 65535, cols: 65535, pixels: new Uint8Array(8) })))
    expect(huge.code).toBe('DICOM_BAD_HEADER')
    expect(huge.message).toMatch(/implausibly large/)
    // A million frames claimed, eight bytes present.
    const frames = await curatorError(() => decode(file({ frames: 1_000_000, pixels: new Uint8Array(8) })))
    expect(frames.code).toBe('DICOM_TRUNCATED')
    expect(frames.message).toContain('2×2×2×1000000')
  })

  it('reports a missing PixelData as DICOM_NO_PIXEL_DATA', async () => {
    expect((await curatorError(() => decode(file({ pixels: null })))).code).toBe('DICOM_NO_PIXEL_DATA')
  })

  it('names an unsupported transfer syntax and lists the supported ones', async () => {
    const err = await curatorError(() => decode(file({}, '1.2.840.10008.1.2.4.100')))
    expect(err.code).toBe('UNSUPPORTED_TRANSFER_SYNTAX')
    expect(err.message).toContain('1.2.840.10008.1.2.4.100')
    expect(err.message).toContain('MPEG2')
    expect(err.message).toContain('JPEG 2000 (Lossless Only) (1.2.840.10008.1.2.4.90)')
  })

  it('rejects BitsAllocated other than 8 or 16', async () => {
    const err = await curatorError(() => decode(file({ bitsAllocated: 32, pixels: new Uint8Array(16) })))
    expect(err.code).toBe('NOT_IMPLEMENTED')
  })
})
