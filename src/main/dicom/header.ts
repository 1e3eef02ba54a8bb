/**
 * Header-only indexing of one file: read the first bytes, parse up to PixelData, keep the
 * attributes grouping, sorting and HU conversion need. Pixels are never loaded here.
 */
import { closeSync, openSync, readSync } from 'node:fs'
import type { DataSet } from 'dicom-parser'
import { CuratorError, type ErrorCode } from '../../shared/errors'
import { DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN } from './codecs'
import { MAX_FRAME_SAMPLES, looksLikeDicomStart, parseDicom } from './pixelData'
import type { HeaderRecord, SkippedFile } from './types'

const PIXEL_DATA = 'x7fe00010'
/** Most CT headers fit in 16 KiB; longer ones (big private blocks) trigger larger reads. */
const FIRST_READ = 16 * 1024
/**
 * Largest header we read looking for PixelData. Only a file that begins like DICOM and ran out
 * of bytes before PixelData gets a longer read, so an 800 MB video is never read whole.
 */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024
/** A deflated file is inflated whole to check its pixel data; CT slices deflate to < 1 MB. */
export const MAX_DEFLATED_FILE_BYTES = 256 * 1024 * 1024
/** Items of an encapsulated PixelData walked before giving up (2 per frame is usual). */
const MAX_ITEMS = 1 << 20
const DICOMDIR_CLASS = '1.2.840.10008.1.3.10'

const str = (ds: DataSet, tag: string): string => (ds.string(tag) ?? '').trim()
/**
 * Values every slice of a series repeats (UIDs, names, descriptions) as one shared string: the
 * scan keeps every header until it has grouped them, and 20,000 private copies of each made the
 * collector copy ~10 MB more at each young-generation collection.
 */
const seen = new Map<string, string>()
const shared = (s: string): string => {
  const k = seen.get(s)
  if (k !== undefined) return k
  if (seen.size >= 4096) seen.clear()
  seen.set(s, s)
  return s
}
const sharedStr = (ds: DataSet, tag: string): string => shared(str(ds, tag))
const num = (ds: DataSet, tag: string, i = 0): number | null => {
  const s = ds.string(tag)
  if (s === undefined) return null
  const v = Number(s.split('\\')[i]?.trim())
  return s.split('\\')[i]?.trim() !== '' && Number.isFinite(v) ? v : null
}
const nums = (ds: DataSet, tag: string, n: number): number[] | null => {
  const s = ds.string(tag)
  if (!s) return null
  const parts = s.split('\\').map((p) => Number(p.trim()))
  return parts.length >= n && parts.slice(0, n).every(Number.isFinite) ? parts.slice(0, n) : null
}
const us = (ds: DataSet, tag: string, fallback: number): number =>
  ds.elements[tag] && ds.elements[tag].length >= 2 ? (ds.uint16(tag) ?? fallback) : fallback

/**
 * Every file's first read lands in this one buffer (headers are extracted into fresh strings and
 * numbers before the next file is read): a new 16 KiB array per file was most of a first
 * scan's garbage, ~20 % of its time in the collector.
 */
const firstRead = new Uint8Array(FIRST_READ)

/** The first `length` bytes (at most `size`); in `into` when it is long enough, else in a new array. */
function readPrefix(abs: string, size: number, length: number, into?: Uint8Array): Uint8Array {
  const n = Math.min(size, length)
  const buf = into && into.length >= n ? into : new Uint8Array(n)
  const fd = openSync(abs, 'r')
  try {
    let off = 0
    while (off < n) {
      const r = readSync(fd, buf, off, n - off, off)
      if (r === 0) break
      off += r
    }
    return off === buf.length ? buf : buf.subarray(0, off)
  } finally {
    closeSync(fd)
  }
}

/**
 * Walks the items of an encapsulated PixelData from its first item to the sequence delimiter.
 * Any element may follow PixelData (dcmtk writes Data Set Trailing Padding (FFFC,FFFC)), so the
 * file's last bytes prove nothing. Returns null when the delimiter is there, else the problem.
 */
function walkEncapsulated(abs: string, start: number, size: number): { code: ErrorCode; message: string } | null {
  const fd = openSync(abs, 'r')
  try {
    const b = Buffer.alloc(8)
    let pos = start
    for (let items = 0; items <= MAX_ITEMS; items++) {
      if (pos + 8 > size) {
        return {
          code: 'DICOM_TRUNCATED',
          message: `File is truncated: encapsulated PixelData stops after ${items} item(s) at byte ${Math.min(pos, size)} of ${size}, before its sequence delimiter.`,
        }
      }
      readSync(fd, b, 0, 8, pos)
      const group = b.readUInt16LE(0)
      const element = b.readUInt16LE(2)
      const length = b.readUInt32LE(4)
      if (group === 0xfffe && element === 0xe0dd) return null
      if (group !== 0xfffe || element !== 0xe000 || length === 0xffffffff) {
        const tag = `(${group.toString(16).padStart(4, '0')},${element.toString(16).padStart(4, '0')})`
        return {
          code: 'DICOM_BAD_HEADER',
          message: `Encapsulated PixelData is corrupt: ${tag} at byte ${pos} where item ${items + 1} or the sequence delimiter should be.`,
        }
      }
      pos += 8 + length
    }
    return { code: 'DICOM_BAD_HEADER', message: `Encapsulated PixelData has more than ${MAX_ITEMS} items.` }
  } finally {
    closeSync(fd)
  }
}

/**
 * Parses the header, reading further only while the bytes read so far begin like DICOM and the
 * parse ran out of them: failed inside an element, or ended before PixelData (a long private
 * sequence). Anything that does not begin like DICOM is refused from its first bytes.
 */
function parseHeader(abs: string, size: number): { parsed: ReturnType<typeof parseDicom>; dataBytes: number } {
  let bytes = readPrefix(abs, size, FIRST_READ, firstRead)
  let parsed: ReturnType<typeof parseDicom> | undefined
  for (;;) {
    let failure: unknown
    try {
      parsed = parseDicom(bytes, { untilTag: PIXEL_DATA })
    } catch (err) {
      failure = err
    }
    const complete = parsed !== undefined && (parsed.dataSet.elements[PIXEL_DATA] !== undefined || bytes.length >= size)
    if (complete) break
    if (bytes.length >= size || !looksLikeDicomStart(bytes)) {
      if (failure !== undefined) throw failure
      break
    }
    if (bytes.length >= MAX_HEADER_BYTES) {
      const why = `No PixelData within the first ${MAX_HEADER_BYTES >> 20} MiB: not a CT slice.`
      throw new CuratorError(failure === undefined ? 'DICOM_NO_PIXEL_DATA' : 'DICOM_BAD_HEADER', why)
    }
    parsed = undefined
    bytes = readPrefix(abs, size, Math.min(bytes.length * 8, MAX_HEADER_BYTES))
  }
  parsed = parsed!
  if (parsed.transferSyntaxUid !== DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN) return { parsed, dataBytes: size }
  // Offsets of a deflated file refer to the inflated data set, not to the file: inflate it all
  // (a cut stream or a short PixelData throws DICOM_TRUNCATED here).
  if (size > MAX_DEFLATED_FILE_BYTES) {
    throw new CuratorError('DICOM_BAD_HEADER', `Deflated file of ${size} bytes: larger than any CT slice (limit ${MAX_DEFLATED_FILE_BYTES >> 20} MiB).`)
  }
  parsed = parseDicom(readPrefix(abs, size, size))
  return { parsed, dataBytes: parsed.dataSet.byteArray.length }
}

/**
 * The header of one file, or why it is skipped. Never throws: whatever a hostile file makes
 * the parser or a value accessor throw becomes a skip with a code.
 */
export function readHeader(abs: string, rel: string, size: number, mtimeMs: number): HeaderRecord | SkippedFile {
  try {
    return indexHeader(abs, rel, size, mtimeMs)
  } catch (err) {
    if (err instanceof CuratorError) return { path: rel, code: err.code, message: err.message }
    const msg = err instanceof Error ? err.message : String(err)
    // dicom-parser's accessors throw a plain string for an element that runs past the data.
    if (/past end|end of buffer/i.test(msg)) {
      return { path: rel, code: 'DICOM_TRUNCATED', message: `File is truncated: an element runs past the end of the file (${msg}).` }
    }
    return { path: rel, code: 'DICOM_BAD_HEADER', message: `Cannot read the DICOM header: ${msg}` }
  }
}

function indexHeader(abs: string, rel: string, size: number, mtimeMs: number): HeaderRecord | SkippedFile {
  const skip = (code: SkippedFile['code'], message: string): SkippedFile => ({ path: rel, code, message })
  if (size === 0) return skip('DICOM_EMPTY_FILE', 'Empty file (0 bytes).')
  let parsed: ReturnType<typeof parseDicom>
  let dataBytes: number
  try {
    ;({ parsed, dataBytes } = parseHeader(abs, size))
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (e.code === 'EACCES' || e.code === 'EPERM') return skip('DICOM_UNREADABLE', `Permission denied: ${e.message}`)
    if (e.code === 'EISDIR' || e.code === 'ENOENT') return skip('DICOM_UNREADABLE', e.message)
    if (err instanceof CuratorError) return skip(err.code, err.message)
    return skip('DICOM_BAD_HEADER', `Cannot parse the DICOM header: ${e.message}`)
  }
  const ds = parsed.dataSet
  const sopClassUid = shared(str(ds, 'x00080016') || str(ds, 'x00020002'))
  if (sopClassUid === DICOMDIR_CLASS || ds.elements.x00041220) {
    return skip('DICOMDIR', 'DICOMDIR (media directory, not an image); images are found by walking the folders.')
  }
  const px = ds.elements[PIXEL_DATA]
  if (!px) return skip('DICOM_NO_PIXEL_DATA', 'DICOM file without pixel data (header-only or a non-image object).')

  const rows = us(ds, 'x00280010', 0)
  const columns = us(ds, 'x00280011', 0)
  const bitsAllocated = us(ds, 'x00280100', 16)
  const samplesPerPixel = us(ds, 'x00280002', 1)
  const frames = Math.max(1, num(ds, 'x00280008') ?? 1)
  if (rows === 0 || columns === 0) return skip('DICOM_BAD_HEADER', `Image has Rows ${rows} × Columns ${columns}.`)
  const expected = rows * columns * frames * samplesPerPixel * Math.ceil(bitsAllocated / 8)
  const undefinedLength = px.hadUndefinedLength === true || px.length === 0xffffffff
  // In the file (a meta header without its preamble was parsed with one put in front).
  const pxAt = px.dataOffset - (parsed.prefixBytes ?? 0)
  if (!undefinedLength) {
    if (px.length > 0 && expected > px.length * 1.001 + 1) {
      return skip(
        'DICOM_BAD_HEADER',
        `Header claims ${rows}×${columns}×${frames} pixels of ${bitsAllocated} bits (${expected} bytes) but PixelData holds ${px.length} bytes.`,
      )
    }
    if (pxAt + px.length > dataBytes) {
      return skip(
        'DICOM_TRUNCATED',
        `File is truncated: PixelData needs ${px.length} bytes from offset ${pxAt}, the file has ${dataBytes} bytes${dataBytes === size ? '' : ' after inflation'}.`,
      )
    }
  } else if (parsed.transferSyntaxUid !== DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN) {
    const problem = walkEncapsulated(abs, pxAt, size)
    if (problem) return skip(problem.code, problem.message)
  }

  const pixelRepresentation = us(ds, 'x00280103', 0)
  // US or SS: an explicit SS is taken as written; otherwise (US, or implicit VR where only the
  // bytes are known) the value is reinterpreted by PixelRepresentation — LIDC writes US 63536 for -2000.
  const padValue = (tag: string): number | null => {
    const el = ds.elements[tag]
    if (!el || el.length < 2) return null
    if (el.vr === 'SS') return ds.int16(tag) ?? null
    const v = ds.uint16(tag) ?? null
    return v !== null && pixelRepresentation === 1 && v > 32767 ? v - 65536 : v
  }
  const padding = padValue('x00280120')
  const paddingLimit = padValue('x00280121')
  const bitsStored = us(ds, 'x00280101', bitsAllocated)
  const rescale = (tag: string, name: string, fallback: number): number | string => {
    const raw = ds.string(tag)
    if (raw === undefined || raw.trim() === '') return fallback
    const v = num(ds, tag)
    return v === null ? `${name} '${raw.trim()}' is not a number: the slice's HU cannot be computed.` : v
  }
  const slope = rescale('x00281053', 'RescaleSlope', 1)
  const intercept = rescale('x00281052', 'RescaleIntercept', 0)
  const defect = sliceDefect({ rows, columns, bitsAllocated, bitsStored, samplesPerPixel, pixelRepresentation, slope, intercept })
  const ipp = nums(ds, 'x00200032', 3) as HeaderRecord['ipp']
  const iop = nums(ds, 'x00200037', 6) as HeaderRecord['iop']
  const ps = nums(ds, 'x00280030', 2) as HeaderRecord['pixelSpacing']
  return {
    path: rel,
    size,
    mtimeMs,
    transferSyntaxUid: shared(parsed.transferSyntaxUid),
    sopClassUid,
    sopInstanceUid: str(ds, 'x00080018'),
    studyUid: sharedStr(ds, 'x0020000d'),
    seriesUid: sharedStr(ds, 'x0020000e'),
    patientId: sharedStr(ds, 'x00100020'),
    patientName: sharedStr(ds, 'x00100010'),
    modality: shared(str(ds, 'x00080060').toUpperCase()),
    imageType: str(ds, 'x00080008').toUpperCase().split('\\').map((s) => s.trim()).filter(Boolean),
    seriesDescription: sharedStr(ds, 'x0008103e'),
    seriesNumber: num(ds, 'x00200011'),
    manufacturer: sharedStr(ds, 'x00080070'),
    kernel: sharedStr(ds, 'x00181210'),
    acquisitionDate: shared(str(ds, 'x00080022') || str(ds, 'x00080021') || str(ds, 'x00080020')),
    rows,
    columns,
    frames,
    bitsAllocated,
    bitsStored,
    pixelRepresentation,
    samplesPerPixel,
    photometric: sharedStr(ds, 'x00280004'),
    ipp,
    iop,
    pixelSpacing: ps && ps[0] > 0 && ps[1] > 0 ? ps : null,
    sliceThickness: num(ds, 'x00180050'),
    spacingBetweenSlices: num(ds, 'x00180088'),
    sliceLocation: num(ds, 'x00201041'),
    instanceNumber: num(ds, 'x00200013'),
    rescaleSlope: typeof slope === 'number' ? slope : 1,
    rescaleIntercept: typeof intercept === 'number' ? intercept : 0,
    pixelPaddingValue: padding,
    pixelPaddingRangeLimit: paddingLimit,
    gantryTilt: num(ds, 'x00181120'),
    ...(str(ds, 'x00282110') === '01' ? { lossyImageCompression: true } : {}),
    ...(defect ? { defect } : {}),
  }
}

/** Largest |RescaleSlope| and |RescaleIntercept| of a CT slice; beyond them HU would be noise or clamped. */
export const MAX_ABS_SLOPE = 1000
export const MAX_ABS_INTERCEPT = 100_000

interface PixelModule {
  rows: number
  columns: number
  bitsAllocated: number
  bitsStored: number
  samplesPerPixel: number
  pixelRepresentation: number
  /** A number, or why it is unusable. */
  slope: number | string
  intercept: number | string
}

/**
 * Why this slice's pixels cannot become HU, or null. Checked from the header so that one such
 * slice is dropped from its series at scan time (flag `dropped_slices`) instead of failing the
 * whole series when the worker meets it; the same rules as `frameInfo`, which decodes.
 */
export function sliceDefect(m: PixelModule): { code: ErrorCode; message: string } | null {
  const bad = (message: string) => ({ code: 'DICOM_BAD_HEADER' as const, message })
  if (typeof m.slope === 'string') return bad(m.slope)
  if (typeof m.intercept === 'string') return bad(m.intercept)
  if (m.slope === 0 || Math.abs(m.slope) > MAX_ABS_SLOPE) return bad(`RescaleSlope ${m.slope} is implausible for CT (0 < |slope| ≤ ${MAX_ABS_SLOPE}).`)
  if (Math.abs(m.intercept) > MAX_ABS_INTERCEPT) return bad(`RescaleIntercept ${m.intercept} is implausible for CT (|intercept| ≤ ${MAX_ABS_INTERCEPT}).`)
  if (m.samplesPerPixel === 0) return bad('SamplesPerPixel is 0: the slice has no samples.')
  if (m.samplesPerPixel !== 1 && m.samplesPerPixel !== 3) {
    return { code: 'NOT_IMPLEMENTED', message: `SamplesPerPixel ${m.samplesPerPixel} is not supported (only 1 and 3).` }
  }
  if (m.bitsAllocated === 0) return bad('BitsAllocated is 0: the slice has no pixel bits.')
  if (m.bitsAllocated !== 8 && m.bitsAllocated !== 16) {
    return { code: 'NOT_IMPLEMENTED', message: `BitsAllocated ${m.bitsAllocated} is not supported (only 8 and 16).` }
  }
  if (m.bitsStored < 1 || m.bitsStored > m.bitsAllocated) return bad(`BitsStored ${m.bitsStored} does not fit BitsAllocated ${m.bitsAllocated}.`)
  if (m.pixelRepresentation !== 0 && m.pixelRepresentation !== 1) return bad(`PixelRepresentation ${m.pixelRepresentation} is neither 0 nor 1.`)
  if (m.rows * m.columns * m.samplesPerPixel > MAX_FRAME_SAMPLES) {
    return bad(`Rows ${m.rows} × Columns ${m.columns} is implausibly large for a CT slice (at most ${MAX_FRAME_SAMPLES} samples); nothing was allocated.`)
  }
  return null
}

export const isSkipped = (r: HeaderRecord | SkippedFile): r is SkippedFile => 'code' in r
