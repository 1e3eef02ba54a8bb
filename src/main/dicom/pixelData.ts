/**
 * Parsing a DICOM file and decoding one frame of its pixel data into stored values.
 *
 * `parseDicom` wraps dicom-parser: deflated data sets, raw data sets without the 128-byte
 * preamble (as old scanners and some PACS exports write them), and every failure as a
 * CuratorError with a stable code. `decodeFrame` finds the frame's bytes and hands them to the
 * decoder registered for the transfer syntax (./codecs).
 */
import { constants as zlibConstants, inflateRawSync } from 'node:zlib'
import dicomParser, { type DataSet, type Element } from 'dicom-parser'
import { CuratorError } from '../../shared/errors'
import {
  EXPLICIT_VR_BIG_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
  SUPPORTED_TRANSFER_SYNTAXES,
  getDecoder,
  isEncapsulated,
  transferSyntaxName,
} from './codecs'
import { frameByteLength, sampleCount } from './codecs/samples'
import type { FrameInfo, PixelArray } from './codecs/types'

export type { FrameInfo, PixelArray } from './codecs/types'

const PIXEL_DATA = 'x7fe00010'
/** Inflating past this is a deflate bomb, not a CT slice. */
const MAX_INFLATED_BYTES = 1 << 30
/** Largest frame we allocate: 2^26 samples (8192², 128 MiB at 16 bits); CT slices are ≤ 2048². */
export const MAX_FRAME_SAMPLES = 1 << 26

export interface ParsedDicom {
  dataSet: DataSet
  /** From the file meta header, or the syntax detected for a raw data set. */
  transferSyntaxUid: string
  /**
   * Bytes put in front of the file to parse it (132 when a meta header came without its
   * preamble): element offsets minus this are offsets in the file. @default 0
   */
  prefixBytes?: number
}

export interface ParseOptions {
  /** Stop at this tag (e.g. 'x7fe00010' to read a header without its pixels). */
  untilTag?: string
}

/** What dicom-parser throws: a string, an Error, or {exception, dataSet} from the data set parser. */
interface ParserFailure {
  exception?: unknown
  dataSet?: DataSet
}

const errorText = (err: unknown): string => {
  if (typeof err === 'string') return err
  if (err instanceof Error) return err.message
  if (typeof err === 'object' && err !== null && 'exception' in err) return errorText((err as ParserFailure).exception)
  return String(err)
}

/**
 * Parses a DICOM file. Accepts Part 10 files, deflated ones, and raw data sets with no preamble
 * (implicit or explicit VR, detected from the first element). Throws CuratorError:
 * DICOM_EMPTY_FILE, DICOM_NOT_DICOM, DICOM_TRUNCATED or DICOM_BAD_HEADER.
 */
export function parseDicom(bytes: Uint8Array, opts: ParseOptions = {}): ParsedDicom {
  if (bytes.length === 0) throw new CuratorError('DICOM_EMPTY_FILE', 'Empty file (0 bytes).')
  if (hasDicmPrefix(bytes)) return parsePart10(bytes, opts)
  if (bytes.length >= 6 && readUint16LE(bytes, 0) === 0x0002) {
    // A meta header without the preamble: give it one, dicom-parser only looks at offset 128.
    const withPreamble = new Uint8Array(132 + bytes.length)
    withPreamble.set([0x44, 0x49, 0x43, 0x4d], 128)
    withPreamble.set(bytes, 132)
    return { ...parsePart10(withPreamble, opts), prefixBytes: 132 }
  }
  return parseRaw(bytes, opts)
}

/**
 * Whether these bytes begin like a DICOM file (the 'DICM' marker, a meta group, or a plausible
 * first element of a raw data set), the test `parseDicom` applies before parsing. A prefix that
 * begins so is worth reading further when it does not parse; anything else never will.
 */
export function looksLikeDicomStart(bytes: Uint8Array): boolean {
  if (hasDicmPrefix(bytes)) return true
  if (bytes.length < 8) return false
  if (readUint16LE(bytes, 0) === 0x0002) return true
  const vr = String.fromCharCode(bytes[4]!, bytes[5]!)
  return plausibleFirstGroup(readUint16LE(bytes, 0)) || (plausibleFirstGroup(readUint16BE(bytes, 0)) && KNOWN_VRS.has(vr))
}

// Data sets start with their lowest group: (0008,xxxx) identification, sometimes a group
// length or a low private/command group. Anything past (0028) is not how a file begins.
const plausibleFirstGroup = (g: number): boolean => g % 2 === 0 && g >= 0x0004 && g <= 0x0028

function hasDicmPrefix(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d
}

const readUint16LE = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8)
const readUint16BE = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!

function parsePart10(bytes: Uint8Array, opts: ParseOptions): ParsedDicom {
  const partial = opts.untilTag !== undefined
  const dataSet = runParser(bytes, {
    untilTag: opts.untilTag,
    inflater: (array: Uint8Array, position: number) => inflate(array, position, partial),
  })
  const transferSyntaxUid = (dataSet.string('x00020010') ?? '').replace(/\0/g, '').trim()
  return { dataSet, transferSyntaxUid }
}

/** Header bytes followed by the inflated data set, as dicom-parser's inflater hook expects. */
function inflate(array: Uint8Array, position: number, partial: boolean): Uint8Array {
  let inflated: Buffer
  try {
    inflated = inflateRawSync(array.subarray(position), {
      maxOutputLength: MAX_INFLATED_BYTES,
      // A header-only read hands us a prefix of the stream: take what inflates.
      finishFlush: partial ? zlibConstants.Z_SYNC_FLUSH : zlibConstants.Z_FINISH,
    })
  } catch (err) {
    const msg = errorText(err)
    if (/unexpected end/i.test(msg)) {
      throw new CuratorError('DICOM_TRUNCATED', `File is truncated: the deflated data set ends early (${msg}).`)
    }
    throw new CuratorError('DICOM_BAD_HEADER', `Cannot inflate the deflated data set: ${msg}.`)
  }
  const full = new Uint8Array(position + inflated.length)
  full.set(array.subarray(0, position))
  full.set(inflated, position)
  return full
}

const KNOWN_VRS = new Set(
  'AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
)

/** A data set with no preamble: detect byte order and VR encoding from the first element. */
function parseRaw(bytes: Uint8Array, opts: ParseOptions): ParsedDicom {
  const notDicom = (why: string): CuratorError =>
    new CuratorError('DICOM_NOT_DICOM', `Not a DICOM file: no 'DICM' marker at byte 128 and ${why}.`)
  if (bytes.length < 8) throw notDicom(`only ${bytes.length} bytes`)
  const plausibleGroup = plausibleFirstGroup
  const vr = String.fromCharCode(bytes[4]!, bytes[5]!)
  let transferSyntaxUid: string
  if (plausibleGroup(readUint16LE(bytes, 0))) {
    transferSyntaxUid = KNOWN_VRS.has(vr) ? EXPLICIT_VR_LITTLE_ENDIAN : IMPLICIT_VR_LITTLE_ENDIAN
  } else if (plausibleGroup(readUint16BE(bytes, 0)) && KNOWN_VRS.has(vr)) {
    transferSyntaxUid = EXPLICIT_VR_BIG_ENDIAN
  } else {
    throw notDicom('it does not start with a DICOM data element')
  }
  let dataSet: DataSet
  try {
    dataSet = runParser(bytes, { untilTag: opts.untilTag, TransferSyntaxUID: transferSyntaxUid })
  } catch (err) {
    if (err instanceof CuratorError && (err.code === 'DICOM_TRUNCATED' || /nested too deeply/.test(err.message))) throw err
    throw notDicom(`it does not parse as a raw data set (${err instanceof Error ? err.message : String(err)})`)
  }
  const identifying = ['x00080016', 'x00080018', 'x00080060', 'x00280010', PIXEL_DATA]
  if (!identifying.some((tag) => dataSet.elements[tag])) {
    throw notDicom('the raw data set holds none of SOPClassUID, SOPInstanceUID, Modality, Rows or PixelData')
  }
  return { dataSet, transferSyntaxUid }
}

/** dicom-parser recurses per nesting level; thousands of levels exhaust the stack. */
const tooDeep = (): CuratorError =>
  new CuratorError('DICOM_BAD_HEADER', 'Sequences are nested too deeply to parse (thousands of levels); no scanner writes such a header.')

/** Runs dicom-parser and maps its failures (and a pixel element cut short) to CuratorErrors. */
function runParser(bytes: Uint8Array, options: dicomParser.ParseDicomOptions & { inflater?: unknown }): DataSet {
  let dataSet: DataSet
  try {
    dataSet = dicomParser.parseDicom(bytes, options as dicomParser.ParseDicomOptions)
  } catch (err) {
    if (err instanceof CuratorError) throw err
    const partial = (err as ParserFailure | null)?.dataSet
    if (partial) checkPixelElementInBounds(partial)
    const msg = errorText(err)
    if (/maximum call stack/i.test(msg)) throw tooDeep()
    if (/past end|overrun|end of buffer|beyond/i.test(msg)) {
      throw new CuratorError('DICOM_TRUNCATED', `File is truncated inside the header (${msg}).`)
    }
    if (/0002,0010/.test(msg)) {
      throw new CuratorError('DICOM_BAD_HEADER', 'The file meta header has no TransferSyntaxUID (0002,0010).')
    }
    throw new CuratorError('DICOM_BAD_HEADER', `Cannot parse the DICOM header: ${msg}.`)
  }
  if (!options.untilTag) checkPixelElementInBounds(dataSet)
  return dataSet
}

/** A native pixel element running past the end of the file means the file was cut. */
function checkPixelElementInBounds(dataSet: DataSet): void {
  const px = dataSet.elements[PIXEL_DATA]
  if (!px || px.hadUndefinedLength || px.encapsulatedPixelData) return
  const available = dataSet.byteArray.length - px.dataOffset
  if (px.length > available) {
    throw new CuratorError(
      'DICOM_TRUNCATED',
      `File is truncated: ${describeClaim(dataSet, px.length)}, the file has ${Math.max(0, available)} bytes of it.`,
    )
  }
}

/** "the header claims 512×512×2 bytes of pixel data" with what the header allows us to say. */
function describeClaim(dataSet: DataSet, fallbackBytes: number): string {
  const rows = dataSet.uint16('x00280010')
  const columns = dataSet.uint16('x00280011')
  const bitsAllocated = dataSet.uint16('x00280100')
  if (!rows || !columns || !bitsAllocated) return `the PixelData element claims ${fallbackBytes} bytes`
  const spp = dataSet.uint16('x00280002') ?? 1
  const frames = numberOfFrames(dataSet)
  const parts = [rows, columns, bitsAllocated / 8, ...(spp > 1 ? [spp] : []), ...(frames > 1 ? [frames] : [])]
  const total = parts.reduce((a, b) => a * b, 1)
  return `the header claims ${parts.join('×')} = ${total} bytes of pixel data`
}

function numberOfFrames(dataSet: DataSet): number {
  const n = dataSet.intString('x00280008')
  return n !== undefined && Number.isFinite(n) && n >= 1 ? Math.floor(n) : 1
}

/** Reads and checks the Image Pixel module. Throws DICOM_BAD_HEADER or NOT_IMPLEMENTED. */
export function frameInfo(dataSet: DataSet): FrameInfo {
  const bad = (msg: string): CuratorError => new CuratorError('DICOM_BAD_HEADER', msg)
  const rows = dataSet.uint16('x00280010')
  const columns = dataSet.uint16('x00280011')
  if (!rows || !columns) throw bad(`Image has Rows ${rows ?? 'missing'} × Columns ${columns ?? 'missing'}.`)
  const bitsAllocated = dataSet.uint16('x00280100')
  if (bitsAllocated === undefined) throw bad('BitsAllocated (0028,0100) is missing.')
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new CuratorError('NOT_IMPLEMENTED', `BitsAllocated ${bitsAllocated} is not supported (only 8 and 16).`)
  }
  const bitsStored = dataSet.uint16('x00280101') ?? bitsAllocated
  if (bitsStored < 1 || bitsStored > bitsAllocated) {
    throw bad(`BitsStored ${bitsStored} does not fit BitsAllocated ${bitsAllocated}.`)
  }
  // A HighBit outside [BitsStored − 1, BitsAllocated − 1] is a writer bug; the usual layout is meant.
  const hb = dataSet.uint16('x00280102')
  const highBit = hb !== undefined && hb >= bitsStored - 1 && hb < bitsAllocated ? hb : bitsStored - 1
  const pr = dataSet.uint16('x00280103') ?? 0
  if (pr !== 0 && pr !== 1) throw bad(`PixelRepresentation ${pr} is neither 0 (unsigned) nor 1 (signed).`)
  const samplesPerPixel = dataSet.uint16('x00280002') ?? 1
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) {
    throw new CuratorError('NOT_IMPLEMENTED', `SamplesPerPixel ${samplesPerPixel} is not supported (only 1 and 3).`)
  }
  const samples = rows * columns * samplesPerPixel
  if (samples > MAX_FRAME_SAMPLES) {
    throw bad(
      `Rows ${rows} × Columns ${columns} × SamplesPerPixel ${samplesPerPixel} is implausibly large for a CT image.`,
    )
  }
  const info: FrameInfo = {
    rows,
    columns,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation: pr,
    samplesPerPixel,
    photometricInterpretation: (dataSet.string('x00280004') ?? 'MONOCHROME2').trim() || 'MONOCHROME2',
  }
  const planar = dataSet.uint16('x00280006')
  if (planar !== undefined) info.planarConfiguration = planar
  return info
}

export interface DecodedFrame {
  pixels: PixelArray
  info: FrameInfo
}

/**
 * Decodes frame `frameIndex` of a parsed file into stored values (no rescale). `bytes` is the
 * file as read; pixel offsets refer to `dataSet.byteArray` (the inflated copy for deflated files).
 * Throws CuratorError: UNSUPPORTED_TRANSFER_SYNTAX, DICOM_NO_PIXEL_DATA, DICOM_TRUNCATED,
 * DICOM_BAD_HEADER, DICOM_UNREADABLE (corrupt codestream), NOT_IMPLEMENTED, BAD_ARGUMENT.
 */
export async function decodeFrame(
  bytes: Uint8Array,
  dataSet: DataSet,
  transferSyntaxUid: string,
  frameIndex = 0,
): Promise<DecodedFrame> {
  const uid = transferSyntaxUid.trim()
  const decoder = getDecoder(uid)
  if (!decoder) {
    const supported = Object.entries(SUPPORTED_TRANSFER_SYNTAXES).map(([u, name]) => `${name} (${u})`)
    throw new CuratorError(
      'UNSUPPORTED_TRANSFER_SYNTAX',
      `Transfer syntax ${uid || '(none)'} (${transferSyntaxName(uid)}) is not supported. Supported: ${supported.join(', ')}. ` +
        'Convert the file to one of these first, e.g. with `gdcmconv --raw` or `dcmdjpeg`.',
    )
  }
  const px = dataSet.elements[PIXEL_DATA]
  if (!px) throw new CuratorError('DICOM_NO_PIXEL_DATA', 'The file has no PixelData (7FE0,0010): nothing to decode.')
  const info = frameInfo(dataSet)
  const frames = numberOfFrames(dataSet)
  if (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= frames) {
    throw new CuratorError('BAD_ARGUMENT', `Frame ${frameIndex} does not exist: the file has ${frames} frame(s).`)
  }
  const frame = isEncapsulated(uid)
    ? encapsulatedFrame(dataSet, px, frames, frameIndex, uid)
    : nativeFrame(bytes, dataSet, px, info, frames, frameIndex)
  await decoder.initialize()
  const pixels = await decoder.decode(frame, info)
  if (pixels.length !== sampleCount(info)) {
    throw new CuratorError(
      'INTERNAL',
      `${decoder.name} returned ${pixels.length} samples for a ${info.columns}×${info.rows}×${info.samplesPerPixel} frame.`,
    )
  }
  return { pixels, info }
}

function nativeFrame(
  bytes: Uint8Array,
  dataSet: DataSet,
  px: Element,
  info: FrameInfo,
  frames: number,
  frameIndex: number,
): Uint8Array {
  if (px.encapsulatedPixelData) {
    throw new CuratorError(
      'DICOM_BAD_HEADER',
      'PixelData is encapsulated (compressed) but the transfer syntax is native.',
    )
  }
  const frameBytes = frameByteLength(info)
  const needed = frameBytes * frames
  const inFile = Math.max(0, dataSet.byteArray.length - px.dataOffset)
  const available = px.hadUndefinedLength ? inFile : Math.min(px.length, inFile)
  if (available < needed) {
    const fileNote = dataSet.byteArray === bytes ? '' : ' after inflation'
    throw new CuratorError(
      'DICOM_TRUNCATED',
      `Pixel data is truncated: ${describeClaim(dataSet, needed)}, the file has ${available} bytes of it${fileNote}.`,
    )
  }
  const start = px.dataOffset + frameIndex * frameBytes
  return dataSet.byteArray.subarray(start, start + frameBytes)
}

function encapsulatedFrame(dataSet: DataSet, px: Element, frames: number, frameIndex: number, uid: string): Uint8Array {
  const fragments = px.fragments ?? []
  if (!px.encapsulatedPixelData) {
    throw new CuratorError(
      'DICOM_BAD_HEADER',
      `PixelData is not encapsulated, but ${transferSyntaxName(uid)} (${uid}) stores compressed fragments.`,
    )
  }
  if (fragments.length === 0) {
    throw new CuratorError('DICOM_NO_PIXEL_DATA', 'The encapsulated PixelData holds no fragments.')
  }
  const size = dataSet.byteArray.length
  for (const [i, f] of fragments.entries()) {
    if (f.position + f.length > size) {
      throw new CuratorError(
        'DICOM_TRUNCATED',
        `File is truncated: compressed fragment ${i + 1} of ${fragments.length} needs bytes up to ${f.position + f.length}, ` +
          `the file has ${size}.`,
      )
    }
  }
  const fragment = (i: number): Uint8Array => {
    const f = fragments[i]!
    return dataSet.byteArray.subarray(f.position, f.position + f.length)
  }
  try {
    if (frames === 1) {
      return fragments.length === 1
        ? fragment(0)
        : dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, px, 0, fragments.length)
    }
    if (px.basicOffsetTable && px.basicOffsetTable.length === frames) {
      return dicomParser.readEncapsulatedImageFrame(dataSet, px, frameIndex)
    }
    if (fragments.length === frames) return fragment(frameIndex)
    // No offset table and several fragments per frame: only JPEG streams can be split by markers.
    const table = dicomParser.createJPEGBasicOffsetTable(dataSet, px)
    return dicomParser.readEncapsulatedImageFrame(dataSet, px, frameIndex, table)
  } catch (err) {
    throw new CuratorError(
      'DICOM_BAD_HEADER',
      `Cannot find frame ${frameIndex + 1} of ${frames} among ${fragments.length} fragments: ${errorText(err)}.`,
    )
  }
}
