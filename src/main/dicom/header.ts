/**
 * Header-only indexing of one file: read the first bytes, parse up to PixelData, keep the
 * attributes grouping, sorting and HU conversion need. Pixels are never loaded here.
 */
import { closeSync, openSync, readSync } from 'node:fs'
import type { DataSet } from 'dicom-parser'
import { CuratorError } from '../../shared/errors'
import { parseDicom } from './pixelData'
import type { HeaderRecord, SkippedFile } from './types'

const PIXEL_DATA = 'x7fe00010'
/** Most CT headers fit in 16 KiB; longer ones (big private blocks) trigger one larger read. */
const FIRST_READ = 16 * 1024
const DICOMDIR_CLASS = '1.2.840.10008.1.3.10'

const str = (ds: DataSet, tag: string): string => (ds.string(tag) ?? '').trim()
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

function readPrefix(abs: string, size: number, length: number): Uint8Array {
  const n = Math.min(size, length)
  const buf = new Uint8Array(n)
  const fd = openSync(abs, 'r')
  try {
    let off = 0
    while (off < n) {
      const r = readSync(fd, buf, off, n - off, off)
      if (r === 0) break
      off += r
    }
    return off === n ? buf : buf.subarray(0, off)
  } finally {
    closeSync(fd)
  }
}

/** Reads the last bytes: encapsulated pixel data must end with a sequence delimiter. */
function endsWithSequenceDelimiter(abs: string, size: number): boolean {
  if (size < 8) return false
  const fd = openSync(abs, 'r')
  try {
    const b = new Uint8Array(8)
    readSync(fd, b, 0, 8, size - 8)
    // (FFFE,E0DD) little endian, length 0; some writers pad one extra byte, so also look one back.
    const le = b[0] === 0xfe && b[1] === 0xff && b[2] === 0xdd && b[3] === 0xe0
    return le || (b[7] === 0 && b[6] === 0 && b[5] === 0 && b[4] === 0 && b[3] === 0xe0)
  } finally {
    closeSync(fd)
  }
}

export function readHeader(abs: string, rel: string, size: number, mtimeMs: number): HeaderRecord | SkippedFile {
  const skip = (code: SkippedFile['code'], message: string): SkippedFile => ({ path: rel, code, message })
  if (size === 0) return skip('DICOM_EMPTY_FILE', 'Empty file (0 bytes).')
  let parsed: ReturnType<typeof parseDicom>
  try {
    let bytes = readPrefix(abs, size, FIRST_READ)
    try {
      parsed = parseDicom(bytes, { untilTag: PIXEL_DATA })
    } catch (err) {
      if (bytes.length >= size) throw err
      bytes = readPrefix(abs, size, size) // header longer than the first read, or deflated
      parsed = parseDicom(bytes, { untilTag: PIXEL_DATA })
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (e.code === 'EACCES' || e.code === 'EPERM') return skip('DICOM_UNREADABLE', `Permission denied: ${e.message}`)
    if (e.code === 'EISDIR' || e.code === 'ENOENT') return skip('DICOM_UNREADABLE', e.message)
    if (err instanceof CuratorError) return skip(err.code, err.message)
    return skip('DICOM_BAD_HEADER', `Cannot parse the DICOM header: ${e.message}`)
  }
  const ds = parsed.dataSet
  const sopClassUid = str(ds, 'x00080016') || str(ds, 'x00020002')
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
  if (!undefinedLength) {
    if (px.length > 0 && expected > px.length * 1.001 + 1) {
      return skip(
        'DICOM_BAD_HEADER',
        `Header claims ${rows}×${columns}×${frames} pixels of ${bitsAllocated} bits (${expected} bytes) but PixelData holds ${px.length} bytes.`,
      )
    }
    if (px.dataOffset + px.length > size) {
      return skip(
        'DICOM_TRUNCATED',
        `File is truncated: PixelData needs ${px.length} bytes from offset ${px.dataOffset}, the file has ${size} bytes.`,
      )
    }
  } else if (!endsWithSequenceDelimiter(abs, size)) {
    return skip('DICOM_TRUNCATED', 'File is truncated: encapsulated PixelData has no closing sequence delimiter.')
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
  const ipp = nums(ds, 'x00200032', 3) as HeaderRecord['ipp']
  const iop = nums(ds, 'x00200037', 6) as HeaderRecord['iop']
  const ps = nums(ds, 'x00280030', 2) as HeaderRecord['pixelSpacing']
  return {
    path: rel,
    size,
    mtimeMs,
    transferSyntaxUid: parsed.transferSyntaxUid,
    sopClassUid,
    sopInstanceUid: str(ds, 'x00080018'),
    studyUid: str(ds, 'x0020000d'),
    seriesUid: str(ds, 'x0020000e'),
    patientId: str(ds, 'x00100020'),
    patientName: str(ds, 'x00100010'),
    modality: str(ds, 'x00080060').toUpperCase(),
    imageType: str(ds, 'x00080008').toUpperCase().split('\\').map((s) => s.trim()).filter(Boolean),
    seriesDescription: str(ds, 'x0008103e'),
    seriesNumber: num(ds, 'x00200011'),
    manufacturer: str(ds, 'x00080070'),
    kernel: str(ds, 'x00181210'),
    acquisitionDate: str(ds, 'x00080022') || str(ds, 'x00080021') || str(ds, 'x00080020'),
    rows,
    columns,
    frames,
    bitsAllocated,
    bitsStored: us(ds, 'x00280101', bitsAllocated),
    pixelRepresentation,
    samplesPerPixel,
    photometric: str(ds, 'x00280004'),
    ipp,
    iop,
    pixelSpacing: ps && ps[0] > 0 && ps[1] > 0 ? ps : null,
    sliceThickness: num(ds, 'x00180050'),
    spacingBetweenSlices: num(ds, 'x00180088'),
    sliceLocation: num(ds, 'x00201041'),
    instanceNumber: num(ds, 'x00200013'),
    rescaleSlope: num(ds, 'x00281053') ?? 1,
    rescaleIntercept: num(ds, 'x00281052') ?? 0,
    pixelPaddingValue: padding,
    pixelPaddingRangeLimit: paddingLimit,
    gantryTilt: num(ds, 'x00181120'),
  }
}

export const isSkipped = (r: HeaderRecord | SkippedFile): r is SkippedFile => 'code' in r
