/**
 * Reads a series' pixels into one int16 HU volume `[z][y][x]`, slice by slice, straight into
 * its place. Uncompressed little-endian 16-bit slices (most CT) are read by the kernel directly
 * into the volume and converted in place: no per-file buffer, no decoder copies. Everything
 * else goes through the codec registry.
 */
import { closeSync, openSync, readSync } from 'node:fs'
import { join } from 'node:path'
import type { PipelineMode, Vec3 } from '../../shared/api'
import { CuratorError } from '../../shared/errors'
import { HuTable, LOSSY_PADDING_TOLERANCE, type StoredSlice } from '../pipeline/hu'
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, isLossyTransferSyntax } from './codecs'
import { decodeFrame, parseDicom } from './pixelData'
import type { HeaderRecord } from './types'

export interface HuVolume {
  hu: Int16Array
  shape: Vec3
  huMin: number
  huMax: number
  /** Bytes of stored pixel data decoded (for throughput figures). */
  storedBytes: number
}

const PIXEL_DATA = 'x7fe00010'
const HEADER_READ = 64 * 1024

function readFully(fd: number, into: Uint8Array, position: number): number {
  let off = 0
  while (off < into.length) {
    const n = readSync(fd, into, off, into.length - off, position + off)
    if (n === 0) break
    off += n
  }
  return off
}

function readWhole(fd: number): Uint8Array {
  const chunks: Uint8Array[] = []
  let pos = 0
  for (;;) {
    const b = new Uint8Array(1 << 20)
    const n = readFully(fd, b, pos)
    chunks.push(n === b.length ? b : b.subarray(0, n))
    pos += n
    if (n < b.length) break
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
}

/**
 * Reads one slice's stored values into `dst` (its place in the volume) when the file is plain
 * little-endian 16-bit; returns a view typed by signedness, or null when the file needs a codec.
 */
function readNativeInto(fd: number, head: Uint8Array, headLen: number, h: HeaderRecord, dst: Int16Array): StoredSlice | null {
  const ts = h.transferSyntaxUid
  if (ts !== EXPLICIT_VR_LITTLE_ENDIAN && ts !== IMPLICIT_VR_LITTLE_ENDIAN) return null
  if (h.bitsAllocated !== 16 || h.samplesPerPixel !== 1 || h.frames !== 1) return null
  // Signed values stored in fewer than 16 bits need sign extension: the codec path does that.
  if (h.pixelRepresentation === 1 && h.bitsStored < 16) return null
  let px
  let shift: number
  try {
    const parsed = parseDicom(head.subarray(0, headLen), { untilTag: PIXEL_DATA })
    px = parsed.dataSet.elements[PIXEL_DATA]
    shift = parsed.prefixBytes ?? 0
  } catch {
    return null // header longer than the first read, or odd: the general path handles it
  }
  if (!px || px.length === 0xffffffff || px.length < dst.byteLength) return null
  const bytes = new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength)
  const got = readFully(fd, bytes, px.dataOffset - shift)
  if (got < bytes.length) {
    throw new CuratorError('DICOM_TRUNCATED', `${h.path}: pixel data ends after ${got} of ${bytes.length} bytes.`, h.path)
  }
  return h.pixelRepresentation === 1 ? dst : new Uint16Array(dst.buffer, dst.byteOffset, dst.length)
}

/** What loading some slices found. */
export interface SlicesLoaded {
  storedBytes: number
  huMin: number
  huMax: number
}

/** Reads slice `h` into `out` (its place in the volume) as HU. */
async function loadSliceInto(
  root: string,
  h: HeaderRecord,
  out: Int16Array,
  mode: PipelineMode,
  head: Uint8Array,
  table: HuTable,
  r: SlicesLoaded,
): Promise<void> {
  const plane = out.length
  let stored: StoredSlice
  let fd: number
  try {
    fd = openSync(join(root, h.path), 'r')
  } catch (err) {
    throw new CuratorError('DICOM_UNREADABLE', `Cannot read ${h.path}: ${(err as Error).message}`, h.path)
  }
  try {
    const headLen = readFully(fd, head, 0)
    const native = readNativeInto(fd, head, headLen, h, out)
    if (native) stored = native
    else {
      const bytes = headLen < head.length ? head.slice(0, headLen) : readWhole(fd)
      const { dataSet, transferSyntaxUid } = parseDicom(bytes)
      const pixels = (await decodeFrame(bytes, dataSet, transferSyntaxUid, 0)).pixels
      if (pixels.length < plane) {
        throw new CuratorError('DICOM_TRUNCATED', `${h.path}: decoded ${pixels.length} pixels, expected ${plane}.`, h.path)
      }
      stored = pixels.length === plane ? pixels : pixels.subarray(0, plane)
    }
  } catch (err) {
    if (err instanceof CuratorError) throw err.path ? err : new CuratorError(err.code, `${h.path}: ${err.message}`, h.path)
    throw new CuratorError('DICOM_BAD_HEADER', `${h.path}: ${(err as Error).message}`, h.path)
  } finally {
    closeSync(fd)
  }
  r.storedBytes += plane * stored.BYTES_PER_ELEMENT
  // In place when `stored` views `out`: each element is read before it is written. Seed mode
  // keeps the tutorial's exact `== -2000`, even where a lossy codec smeared the padding.
  table.convert(stored, out, mode, {
    slope: h.rescaleSlope,
    intercept: h.rescaleIntercept,
    paddingValue: h.pixelPaddingValue,
    paddingLimit: h.pixelPaddingRangeLimit,
    paddingTolerance: isLossyTransferSyntax(h.transferSyntaxUid) || h.lossyImageCompression ? LOSSY_PADDING_TOLERANCE : 0,
  })
}

/** Widens r's range by what `table` converted. */
function addRange(r: SlicesLoaded, table: HuTable): void {
  const [lo, hi] = table.range()
  r.huMin = Math.min(r.huMin, lo)
  r.huMax = Math.max(r.huMax, hi)
}

/**
 * Slice claims shared by the threads loading one volume: Int32 [next slice to claim, then one
 * done flag per slice].
 */
export const newSliceClaims = (slices: number): Int32Array => new Int32Array(new SharedArrayBuffer(4 * (1 + slices)))

/**
 * Loads slices of `hu` (a volume of `ordered.length` slices of the first header's size), claiming
 * them one at a time from `claims` until none is left, so that several threads can load one
 * volume; marks each one done with `mark` (the caller 1, a helper 2). A helper thread runs this on the same claims as the caller.
 */
export async function loadClaimedSlices(
  root: string,
  ordered: HeaderRecord[],
  mode: PipelineMode,
  hu: Int16Array,
  claims: Int32Array,
  mark = 2,
): Promise<SlicesLoaded> {
  const { rows, columns } = ordered[0]!
  const plane = rows * columns
  const head = new Uint8Array(HEADER_READ)
  const table = new HuTable()
  const r: SlicesLoaded = { storedBytes: 0, huMin: 32767, huMax: -32768 }
  for (;;) {
    const z = Atomics.add(claims, 0, 1)
    if (z >= ordered.length) {
      addRange(r, table)
      return r
    }
    const h = ordered[z]!
    if (h.rows !== rows || h.columns !== columns) {
      throw new CuratorError(
        'DICOM_BAD_HEADER',
        `Cannot stack slices of different sizes: ${h.path} is ${h.rows}×${h.columns}, the first slice ${rows}×${columns}.`,
        h.path,
      )
    }
    await loadSliceInto(root, h, hu.subarray(z * plane, (z + 1) * plane), mode, head, table, r)
    Atomics.store(claims, 1 + z, mark)
  }
}

/**
 * @param root folder the headers' paths are relative to
 * @param ordered headers in the slice order the mode uses
 * @param reuse memory to load into when large enough. A worker hands the previous scan's
 *   volume back: first writes into fresh memory cost a page fault per 4 KiB, which on some
 *   machines is half the load time of a 512×512×300 series.
 * @param helper starts loadClaimedSlices on another thread with these claims (used only when
 *   the volume is in a SharedArrayBuffer); resolves to what it loaded, or null when it failed.
 *   Slices it claimed and did not finish are loaded here.
 */
export async function loadHuVolume(
  root: string,
  ordered: HeaderRecord[],
  mode: PipelineMode,
  reuse?: ArrayBufferLike,
  helper?: (hu: Int16Array, claims: Int32Array) => Promise<SlicesLoaded | null>,
): Promise<HuVolume> {
  if (ordered.length === 0) throw new CuratorError('NO_SERIES', 'No slices to load.')
  const { rows, columns } = ordered[0]!
  const plane = rows * columns
  const n = plane * ordered.length
  const hu = reuse && reuse.byteLength >= n * 2 ? new Int16Array(reuse, 0, n) : new Int16Array(n)
  const claims = newSliceClaims(ordered.length)
  const helping = helper && hu.buffer instanceof SharedArrayBuffer ? helper(hu, claims).catch(() => null) : null
  let r: SlicesLoaded
  try {
    r = await loadClaimedSlices(root, ordered, mode, hu, claims, 1)
  } catch (err) {
    // No more claims, and no return (the buffer goes back to its pool) while a helper writes.
    Atomics.store(claims, 0, ordered.length)
    await helping
    throw err
  }
  const other = await helping
  if (other) {
    r.storedBytes += other.storedBytes
    r.huMin = Math.min(r.huMin, other.huMin)
    r.huMax = Math.max(r.huMax, other.huMax)
  }
  // Whatever a failed helper claimed, finished or not (its range and byte count are lost with
  // it): loaded again here, each slice rewritten whole.
  const head = new Uint8Array(HEADER_READ)
  const table = new HuTable()
  for (let z = 0; z < ordered.length; z++)
    if (Atomics.load(claims, 1 + z) !== 1 && !other)
      await loadSliceInto(root, ordered[z]!, hu.subarray(z * plane, (z + 1) * plane), mode, head, table, r)
  addRange(r, table)
  return { hu, shape: [ordered.length, rows, columns], huMin: r.huMin, huMax: r.huMax, storedBytes: r.storedBytes }
}
