/**
 * Mutations of valid DICOM files into hostile ones, each a pure function of (base file, random
 * stream): truncation at every kind of boundary, flipped header bytes, element lengths near
 * 2^32, absurd image-pixel values, unusable rescale values, wrong VRs, sequences nested 1,000
 * deep, and files that are not DICOM at all. `describe` says what was done, so a crash can be
 * replayed from its case number and seed.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import dicomParser from 'dicom-parser'

export interface BaseFile {
  name: string
  /** A plain Uint8Array (not a Buffer, whose slice() is a view): mutants copy with slice(). */
  bytes: Uint8Array
  /** Transfer syntax UID of the data set. */
  syntax: string
}

export interface Mutant {
  bytes: Uint8Array
  describe: string
}

type Rand = () => number

const DEFLATED = '1.2.840.10008.1.2.1.99'
const IMPLICIT = '1.2.840.10008.1.2'
const BIG_ENDIAN = '1.2.840.10008.1.2.2'
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV'])

/** Where a top-level element's header and value sit in a file. */
interface Located {
  tag: string
  group: number
  vr?: string
  /** First byte of the element's tag. */
  start: number
  /** Offset and size of the length field. */
  lengthAt: number
  lengthSize: 2 | 4
  dataOffset: number
  length: number
  undefinedLength: boolean
  littleEndian: boolean
}

const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1))

/**
 * The top-level elements of a (non-deflated) file, parsed once from the clean base.
 * dicom-parser gives value offsets; header sizes follow from the encoding.
 */
export function locate(base: BaseFile): Located[] {
  if (base.syntax === DEFLATED) return []
  let ds: dicomParser.DataSet
  try {
    ds = dicomParser.parseDicom(base.bytes, base.bytes[128] === 0x44 ? undefined : { TransferSyntaxUID: base.syntax })
  } catch {
    return []
  }
  const out: Located[] = []
  for (const [tag, el] of Object.entries(ds.elements)) {
    const group = parseInt(tag.slice(1, 5), 16)
    const explicit = group === 2 || base.syntax !== IMPLICIT
    const littleEndian = group === 2 || base.syntax !== BIG_ENDIAN
    const vr = explicit ? el.vr : undefined
    const long = !explicit || LONG_VRS.has(vr ?? '')
    const headerSize = explicit ? (long ? 12 : 8) : 8
    // Encapsulated pixel data: dataOffset points at the first item, after a 12-byte header.
    const start = el.dataOffset - headerSize
    out.push({
      tag,
      group,
      vr,
      start,
      lengthAt: long ? el.dataOffset - 4 : el.dataOffset - 2,
      lengthSize: long ? 4 : 2,
      dataOffset: el.dataOffset,
      length: el.length,
      undefinedLength: el.hadUndefinedLength === true,
      littleEndian,
    })
  }
  return out.sort((a, b) => a.start - b.start)
}

function writeUint(b: Uint8Array, at: number, size: 2 | 4, value: number, le: boolean): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  if (size === 2) dv.setUint16(at, value & 0xffff, le)
  else dv.setUint32(at, value >>> 0, le)
}

/** Replaces an element's value, fixing its length field (even length, space-padded). */
function splice(bytes: Uint8Array, el: Located, value: Uint8Array): Uint8Array {
  const v = value.length % 2 ? Uint8Array.from([...value, 0x20]) : value
  const fits =
    Number.isInteger(el.length) && Number.isInteger(el.dataOffset) && el.dataOffset + el.length <= bytes.length
  if ((el.lengthSize === 2 && v.length > 0xffff) || el.undefinedLength || !fits) return bytes
  const out = new Uint8Array(bytes.length - el.length + v.length)
  out.set(bytes.subarray(0, el.dataOffset))
  out.set(v, el.dataOffset)
  out.set(bytes.subarray(el.dataOffset + el.length), el.dataOffset + v.length)
  writeUint(out, el.lengthAt, el.lengthSize, v.length, el.littleEndian)
  return out
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s)

/** Image-pixel attributes and values no valid CT has (and a few that are valid but rare). */
const US_TARGETS: Record<string, [string, number[]]> = {
  x00280010: ['Rows', [0, 1, 3, 4097, 32768, 65535]],
  x00280011: ['Columns', [0, 1, 3, 4097, 32768, 65535]],
  x00280100: ['BitsAllocated', [0, 1, 2, 7, 12, 24, 32, 64, 65535]],
  x00280101: ['BitsStored', [0, 1, 17, 33, 65535]],
  x00280102: ['HighBit', [0, 16, 31, 65535]],
  x00280002: ['SamplesPerPixel', [0, 2, 3, 4, 255, 65535]],
  x00280103: ['PixelRepresentation', [2, 255, 65535]],
  x00280006: ['PlanarConfiguration', [1, 2, 65535]],
}
const STRING_TARGETS: Record<string, [string, string[]]> = {
  x00281053: ['RescaleSlope', ['0', 'NaN', '1e30', '-1e30', 'Infinity', '', 'abc', '1\\2', '1e-30']],
  x00281052: ['RescaleIntercept', ['NaN', '1e30', '-Infinity', '', 'x', '-1024\\0']],
  x00280030: ['PixelSpacing', ['0\\0', '1e4\\1e4', '-1\\-1', 'NaN\\1', '1', '']],
  x00200032: ['ImagePositionPatient', ['0\\0\\1e300', 'NaN\\NaN\\NaN', '1\\2', '']],
  x00200037: ['ImageOrientationPatient', ['0\\0\\0\\0\\0\\0', '1\\0\\0\\1\\0\\0', 'NaN\\0\\0\\0\\1\\0', '1']],
  x00280008: ['NumberOfFrames', ['0', '-1', '1000000', '4294967296', 'NaN', '2']],
  x00020010: [
    'TransferSyntaxUID',
    ['1.2.840.10008.1.2.4.100', '1.2.3', '', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.5'],
  ],
  x00180050: ['SliceThickness', ['0', '-5', '1e5', 'NaN']],
}
const WRONG_VRS = ['SQ', 'UN', 'OB', 'OW', 'UT', 'US', 'DS', 'XX', '\0\0', 'ss']

export const MUTATION_KINDS = [
  'truncate',
  'flip',
  'length',
  'us-value',
  'string-value',
  'wrong-vr',
  'nested-sequences',
  'duplicate-pixel-items',
  'not-dicom',
  'deflate-inner',
] as const
export type MutationKind = (typeof MUTATION_KINDS)[number]

export function mutate(kind: MutationKind, base: BaseFile, els: Located[], r: Rand): Mutant {
  const b = base.bytes
  const el = (filter: (e: Located) => boolean): Located | undefined => {
    const c = els.filter(filter)
    return c.length ? pick(r, c) : undefined
  }
  switch (kind) {
    case 'truncate': {
      // Boundaries of every kind: preamble, DICM, meta group, each element's header / length /
      // value, the pixel items; plus 0–3 bytes either side.
      const px = els.find((e) => e.tag === 'x7fe00010')
      const points = [0, 1, 64, 128, 130, 132, 140, b.length - 1, b.length - 2]
      for (const e of els) points.push(e.start, e.start + 4, e.lengthAt, e.dataOffset, e.dataOffset + (e.length >> 1))
      if (px) points.push(px.dataOffset + 4, px.dataOffset + 8, px.dataOffset + 16, b.length - 8, b.length - 9)
      const at = Math.max(0, Math.min(b.length - 1, pick(r, points) + int(r, -3, 3)))
      return { bytes: b.slice(0, at), describe: `truncated to ${at} of ${b.length} bytes` }
    }
    case 'flip': {
      const px = els.find((e) => e.tag === 'x7fe00010')
      const end = Math.max(140, px ? px.dataOffset + 32 : Math.min(b.length, 4096))
      const out = b.slice()
      const n = int(r, 1, 16)
      for (let i = 0; i < n; i++) {
        const at = int(r, 0, Math.min(end, out.length - 1))
        out[at] = out[at]! ^ (1 << int(r, 0, 7))
      }
      return { bytes: out, describe: `${n} bit(s) flipped in the first ${end} bytes` }
    }
    case 'length': {
      const e = el(() => true)
      if (!e) return mutate('flip', base, els, r)
      const value = pick(r, [0xffffffff, 0xfffffffe, 0xfffffff0, 0x80000000, 0x7fffffff, b.length + 2, 0xfffe])
      const out = b.slice()
      writeUint(out, e.lengthAt, e.lengthSize, value, e.littleEndian)
      return { bytes: out, describe: `length of ${e.tag} (${e.vr ?? 'implicit'}) set to 0x${value.toString(16)}` }
    }
    case 'us-value': {
      const e = el((x) => x.tag in US_TARGETS && x.length === 2)
      if (!e) return mutate('string-value', base, els, r)
      const [name, values] = US_TARGETS[e.tag]!
      const v = pick(r, values)
      const out = b.slice()
      writeUint(out, e.dataOffset, 2, v, e.littleEndian)
      return { bytes: out, describe: `${name} set to ${v}` }
    }
    case 'string-value': {
      const e = el((x) => x.tag in STRING_TARGETS)
      if (!e) return mutate('flip', base, els, r)
      const [name, values] = STRING_TARGETS[e.tag]!
      const v = pick(r, values)
      return { bytes: splice(b, e, ascii(v)), describe: `${name} set to '${v}'` }
    }
    case 'wrong-vr': {
      const e = el((x) => x.vr !== undefined)
      if (!e) return mutate('length', base, els, r)
      const vr = pick(r, WRONG_VRS)
      const out = b.slice()
      out.set(ascii(vr).subarray(0, 2), e.start + 4)
      return { bytes: out, describe: `VR of ${e.tag} changed from ${e.vr} to '${vr}'` }
    }
    case 'nested-sequences':
      return nested(base, els, pick(r, [1000, 1000, 5000]), r() < 0.5) ?? mutate('flip', base, els, r)
    case 'duplicate-pixel-items': {
      // A second PixelData after the first, or the delimiter missing (items run to the end).
      const px = els.find((e) => e.tag === 'x7fe00010')
      if (!px) return mutate('truncate', base, els, r)
      if (px.undefinedLength && r() < 0.5) {
        const out = b.slice(0, b.length - 8)
        return { bytes: out, describe: 'sequence delimiter of the pixel items removed' }
      }
      const out = new Uint8Array(b.length + (b.length - px.start))
      out.set(b)
      out.set(b.subarray(px.start), b.length)
      return { bytes: out, describe: 'PixelData element written twice' }
    }
    case 'not-dicom':
      return notDicom(r)
    case 'deflate-inner': {
      if (base.syntax !== DEFLATED) return mutate('flip', base, els, r)
      // Mutate the inflated data set, then deflate it again: bad content in a valid stream.
      const metaEnd = metaGroupEnd(b)
      let inner: Buffer
      try {
        inner = inflateRawSync(b.subarray(metaEnd))
      } catch {
        return mutate('flip', base, els, r)
      }
      const m = new Uint8Array(inner)
      const what = r() < 0.5 ? 'bytes flipped' : 'cut'
      if (what === 'cut') {
        const at = int(r, 0, m.length - 1)
        return {
          bytes: concat(b.subarray(0, metaEnd), deflateRawSync(m.subarray(0, at))),
          describe: `inflated data set cut at ${at}`,
        }
      }
      for (let i = 0; i < 8; i++) {
        const at = int(r, 0, Math.min(2048, m.length - 1))
        m[at] = m[at]! ^ 0xff
      }
      return {
        bytes: concat(b.subarray(0, metaEnd), deflateRawSync(m)),
        describe: 'inflated data set: 8 header bytes inverted',
      }
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/** End of the (explicit LE) file meta group, from its group length element. */
function metaGroupEnd(b: Uint8Array): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  // (0002,0000) UL 4 bytes right after DICM: value at 140.
  return 144 + dv.getUint32(140, true)
}

/**
 * A private sequence nested `depth` levels deep, inserted before the first element past group
 * 0x0009 (tags must ascend), with undefined or defined lengths.
 */
function nested(base: BaseFile, els: Located[], depth: number, undefinedLengths: boolean): Mutant | null {
  const at = els.find((e) => e.group > 0x0009)
  if (!at || base.syntax === BIG_ENDIAN) return null
  const explicit = base.syntax !== IMPLICIT
  // Creator (0009,0010) LO "FUZZ" so the private block is well-formed.
  const creator = explicit
    ? [0x09, 0x00, 0x10, 0x00, 0x4c, 0x4f, 4, 0, ...ascii('FUZZ')]
    : [0x09, 0x00, 0x10, 0x00, 4, 0, 0, 0, ...ascii('FUZZ')]
  // Level k (0 = outermost) is a sequence header, one item header, level k + 1, and with
  // undefined lengths the two delimiters after it; with defined lengths every length is the
  // size of what it holds, (depth − k) levels.
  const head = explicit ? 12 : 8
  const level = head + 8
  const tail = undefinedLengths ? 16 : 0
  const content = new Uint8Array(depth * (level + tail))
  const dv = new DataView(content.buffer)
  for (let k = 0; k < depth; k++) {
    const at = k * level
    const size = (depth - k) * (level + tail)
    content.set([0x09, 0x00, 0x10, 0x10], at)
    if (explicit) content.set([0x53, 0x51, 0, 0], at + 4)
    dv.setUint32(at + head - 4, undefinedLengths ? 0xffffffff : size - head, true)
    content.set([0xfe, 0xff, 0x00, 0xe0], at + head)
    dv.setUint32(at + head + 4, undefinedLengths ? 0xffffffff : size - level, true)
    if (undefinedLengths) {
      const end = content.length - (k + 1) * tail
      content.set([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0], end)
    }
  }
  const insert = concat(Uint8Array.from(creator), content)
  const b = base.bytes
  const out = concat(concat(b.subarray(0, at.start), insert), b.subarray(at.start))
  return {
    bytes: out,
    describe: `private sequence nested ${depth} deep (${undefinedLengths ? 'undefined' : 'defined'} lengths)`,
  }
}

function notDicom(r: Rand): Mutant {
  const kind = pick(r, ['empty', 'text', 'random', 'png', 'dicm-garbage', 'zip', 'one-byte', 'zeros'] as const)
  const random = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(r() * 256))
  switch (kind) {
    case 'empty':
      return { bytes: new Uint8Array(0), describe: 'empty file' }
    case 'text':
      return { bytes: ascii('PatientID,Notes\n1,see scan\n'.repeat(int(r, 1, 200))), describe: 'CSV text' }
    case 'random':
      return { bytes: random(int(r, 1, 40000)), describe: 'random bytes' }
    case 'png':
      return {
        bytes: concat(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), random(500)),
        describe: 'PNG signature + noise',
      }
    case 'dicm-garbage': {
      const out = random(int(r, 132, 5000))
      out.set(ascii('DICM'), 128)
      return { bytes: out, describe: "'DICM' at 128 followed by noise" }
    }
    case 'zip':
      return { bytes: concat(ascii('PK\x03\x04'), random(300)), describe: 'zip signature + noise' }
    case 'one-byte':
      return { bytes: Uint8Array.from([0x08]), describe: 'one byte' }
    case 'zeros':
      return { bytes: new Uint8Array(int(r, 1, 70000)), describe: 'zeros' }
  }
}
