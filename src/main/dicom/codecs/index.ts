/**
 * The decoder registry: one decoder per transfer syntax, keyed by UID (Cornerstone's layout).
 * Codecs load lazily on first use, so importing this costs nothing until a frame is decoded.
 */
import { nativeBigEndian } from './bigEndian'
import { jpeg2000 } from './jpeg2000'
import { jpegBaseline } from './jpegBaseline'
import { jpegExtended } from './jpegExtended'
import { jpegLossless } from './jpegLossless'
import { jpegLs } from './jpegLs'
import { nativeLittleEndian } from './native'
import { rle } from './rle'
import type { Decoder } from './types'

export type { Decoder, FrameInfo, PixelArray } from './types'

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2'
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1'
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99'
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2'

const REGISTRY: ReadonlyArray<readonly [uid: string, name: string, decoder: Decoder]> = [
  [IMPLICIT_VR_LITTLE_ENDIAN, 'Implicit VR Little Endian', nativeLittleEndian],
  [EXPLICIT_VR_LITTLE_ENDIAN, 'Explicit VR Little Endian', nativeLittleEndian],
  [DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, 'Deflated Explicit VR Little Endian', nativeLittleEndian],
  [EXPLICIT_VR_BIG_ENDIAN, 'Explicit VR Big Endian', nativeBigEndian],
  ['1.2.840.10008.1.2.5', 'RLE Lossless', rle],
  ['1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', jpegBaseline],
  ['1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', jpegExtended],
  ['1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', jpegLossless],
  [
    '1.2.840.10008.1.2.4.70',
    'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [SV1])',
    jpegLossless,
  ],
  ['1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', jpegLs],
  ['1.2.840.10008.1.2.4.81', 'JPEG-LS Lossy (Near-Lossless)', jpegLs],
  ['1.2.840.10008.1.2.4.90', 'JPEG 2000 (Lossless Only)', jpeg2000],
  ['1.2.840.10008.1.2.4.91', 'JPEG 2000', jpeg2000],
  ['1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 (Lossless Only)', jpeg2000],
  ['1.2.840.10008.1.2.4.202', 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)', jpeg2000],
  ['1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000', jpeg2000],
]

/** Every transfer syntax CT Curator decodes: UID → name. */
export const SUPPORTED_TRANSFER_SYNTAXES: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(REGISTRY.map(([uid, name]) => [uid, name])),
)

const DECODERS = new Map<string, Decoder>(REGISTRY.map(([uid, , decoder]) => [uid, decoder]))

/** Names of syntaxes we know but do not decode, for clearer error messages. */
const KNOWN_UNSUPPORTED: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2.1.98': 'Encapsulated Uncompressed Explicit VR Little Endian',
  '1.2.840.10008.1.2.4.52': 'JPEG Extended (Process 3 & 5) (retired)',
  '1.2.840.10008.1.2.4.53': 'JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8) (retired)',
  '1.2.840.10008.1.2.4.55': 'JPEG Full Progression, Non-Hierarchical (Process 10 & 12) (retired)',
  '1.2.840.10008.1.2.4.58': 'JPEG Lossless, Non-Hierarchical (Process 15) (retired)',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Multi-component (Lossless Only)',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 Multi-component',
  '1.2.840.10008.1.2.4.94': 'JPIP Referenced',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile / Main Level',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 High Profile',
  '1.2.840.10008.1.2.4.110': 'JPEG XL Lossless',
  '1.2.840.10008.1.2.4.112': 'JPEG XL',
  '1.2.840.10008.1.2.6.1': 'RFC 2557 MIME encapsulation (retired)',
}

/** The decoder for a transfer syntax, or undefined when it is not supported. */
export function getDecoder(transferSyntaxUid: string): Decoder | undefined {
  return DECODERS.get(transferSyntaxUid.trim())
}

/** A transfer syntax's name, whether we decode it or not. */
export function transferSyntaxName(transferSyntaxUid: string): string {
  const uid = transferSyntaxUid.trim()
  return SUPPORTED_TRANSFER_SYNTAXES[uid] ?? KNOWN_UNSUPPORTED[uid] ?? 'unknown transfer syntax'
}

/** Native syntaxes store pixels uncompressed in one element; all others are encapsulated. */
export function isEncapsulated(transferSyntaxUid: string): boolean {
  const d = getDecoder(transferSyntaxUid)
  return d !== nativeLittleEndian && d !== nativeBigEndian
}

/** Syntaxes whose decoded values differ from what the scanner stored (HU are approximate). */
const LOSSY = new Set([
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.51',
  '1.2.840.10008.1.2.4.52',
  '1.2.840.10008.1.2.4.53',
  '1.2.840.10008.1.2.4.55',
  '1.2.840.10008.1.2.4.81',
  '1.2.840.10008.1.2.4.91',
  '1.2.840.10008.1.2.4.93',
  '1.2.840.10008.1.2.4.203',
])

export function isLossyTransferSyntax(transferSyntaxUid: string): boolean {
  return LOSSY.has(transferSyntaxUid.trim())
}
