/**
 * gzip that keeps every core busy and writes the same bytes every time, the way pigz does it:
 * the input is cut into slabs, each slab is deflated on its own (Node's zlib runs them on the
 * libuv thread pool, so slabs compress in parallel), every slab but the last ends with a sync
 * flush (an empty stored block, which byte-aligns the stream and does not end it), and the raw
 * deflate pieces are joined under one gzip header and trailer. The result is one ordinary gzip
 * member that any reader — zlib's gzread, Python's gzip, nibabel, ITK — decompresses.
 *
 * The header's MTIME is 0 and no file name is stored, so the output depends on the bytes only
 * (RFC 1952). The CRC is computed here over the whole input while the slabs compress.
 */
import { promisify } from 'node:util'
import { constants, crc32, deflateRaw } from 'node:zlib'

const deflateRawAsync = promisify(deflateRaw)

/** Level 6 is gzip's, pigz's and dcm2niix's default: the same size/speed trade-off as they make. */
export const GZIP_LEVEL = 6
/** Large enough that the sync flushes cost nothing (~5 bytes each), small enough to balance cores. */
export const GZIP_SLAB_BYTES = 2 << 20

/** RFC 1952 header: ID1 ID2, CM = deflate, no flags, MTIME 0, XFL, OS = unknown (255). */
function gzipHeader(level: number): Uint8Array {
  const xfl = level >= 9 ? 2 : level <= 1 ? 4 : 0
  return Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255)
}

/**
 * gzip of the concatenation of `parts`, as a list of chunks to write in order.
 * @param parts the input in order (e.g. a NIfTI header and the voxels); not copied
 */
export async function gzipParallel(
  parts: readonly Uint8Array[],
  opts: { level?: number; slabBytes?: number } = {},
): Promise<Uint8Array[]> {
  const level = opts.level ?? GZIP_LEVEL
  const slab = opts.slabBytes ?? GZIP_SLAB_BYTES
  const slabs: Uint8Array[] = []
  for (const p of parts) for (let o = 0; o < p.byteLength; o += slab) slabs.push(p.subarray(o, Math.min(p.byteLength, o + slab)))
  if (slabs.length === 0) slabs.push(new Uint8Array(0))
  const pieces = slabs.map((s, i) =>
    deflateRawAsync(s, { level, finishFlush: i === slabs.length - 1 ? constants.Z_FINISH : constants.Z_SYNC_FLUSH }),
  )
  let crc = 0
  let size = 0
  for (const p of parts) {
    crc = crc32(p, crc)
    size += p.byteLength
  }
  const trailer = new Uint8Array(8)
  const v = new DataView(trailer.buffer)
  v.setUint32(0, crc >>> 0, true)
  v.setUint32(4, size >>> 0, true) // ISIZE: the length modulo 2^32
  return [gzipHeader(level), ...(await Promise.all(pieces)), trailer]
}
