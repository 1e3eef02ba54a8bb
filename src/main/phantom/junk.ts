/**
 * Non-DICOM files that real exports leave next to the images: a text note, a Windows
 * thumbnail cache (an OLE compound file), a zero-byte file with a .dcm extension, a JPEG
 * preview. A robust loader must skip each of them and say why.
 */
import type { Rng } from './prng'

export interface JunkFile {
  name: string
  bytes: Uint8Array
  /** Why it is not DICOM, for reports and tests. */
  kind: 'text' | 'thumbs_db' | 'empty' | 'jpeg'
}

const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]
const JPEG_MAGIC = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]

function randomBytes(rng: Rng, length: number, prefix: number[]): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = prefix[i] ?? rng.nextU32() & 0xff
  return out
}

/** The n-th junk file (n = 0, 1, …): kinds cycle, names get a suffix after the first round. */
export function junkFile(n: number, rng: Rng, patientId: string): JunkFile {
  const round = Math.floor(n / 4)
  const suffix = round === 0 ? '' : `-${round + 1}`
  switch (n % 4) {
    case 0:
      return {
        name: `notes${suffix}.txt`,
        kind: 'text',
        bytes: new TextEncoder().encode(
          `Exported series for ${patientId}.\r\nSynthetic phantom, not patient data.\r\n`,
        ),
      }
    case 1:
      return { name: `Thumbs${suffix}.db`, kind: 'thumbs_db', bytes: randomBytes(rng, 2048 + rng.int(2048), OLE_MAGIC) }
    case 2:
      return { name: `empty${suffix}.dcm`, kind: 'empty', bytes: new Uint8Array(0) }
    default: {
      const bytes = randomBytes(rng, 1024 + rng.int(1024), JPEG_MAGIC)
      bytes[bytes.length - 2] = 0xff
      bytes[bytes.length - 1] = 0xd9
      return { name: `preview${suffix}.jpg`, kind: 'jpeg', bytes }
    }
  }
}
