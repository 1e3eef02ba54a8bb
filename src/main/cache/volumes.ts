/**
 * The one way to read a run's cached volumes. The renderer's volume API, the export and any
 * later cache format (packed masks, pruned files) go through these functions, so the layout of
 * a run folder is known here and in the writer (`jobs/pipeline.ts`) only.
 */
import { open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Vec3 } from '../../shared/api'
import { CuratorError } from '../../shared/errors'
import { writeFileAtomic } from '../io/atomic'
import { npyHeader, readNpy } from '../io/npy'
import { decodePackedMask, encodePackedMask, inflatePackedMask, type PackedMask } from './packedMask'

export interface CachedVolume<T extends Int16Array | Uint8Array> {
  data: T
  /** [z, y, x] voxels. */
  shape: Vec3
  /** Voxels that are non-zero, when known without another pass (packed masks count them). */
  voxelsSet?: number
}

export type MaskKind = 'fill' | 'nofill'

/** A run folder's files, by what they hold. */
export const RESAMPLED_FILE = 'resampled.npy'
/** The unresampled HU volume: kept in the cache only with `--keep-hu`; `preprocess` always writes it. */
export const HU_FILE = 'hu.npy'
/** Masks as the cache keeps them: bit-packed and compressed (packedMask.ts). */
export const PACKED_MASK_FILE: Record<MaskKind, string> = { fill: 'mask_fill.bits', nofill: 'mask_nofill.bits' }
/** Masks as `preprocess` writes them and as caches from before packing hold them: uint8 .npy. */
export const MASK_FILE: Record<MaskKind, string> = { fill: 'mask_fill.npy', nofill: 'mask_nofill.npy' }

/** The exact count of every HU value of `resampled.npy`: what an export's dataset mean needs without rereading the volume. */
export const HU_COUNTS_FILE = 'hu_counts.bin'
const HU_COUNTS_MAGIC = 'CTCHUCT1'

/** `half`: the viewer's halved copy of the resampled volume (`resampled_half.npy`, halfVolume.ts). */
export type CacheFileKind = 'resampled' | 'half' | 'mask' | 'hu' | 'surface' | 'preview' | 'other'

/** What a file of a run folder is, for `ct-curator cache`'s accounting. */
export function cacheFileKind(name: string): CacheFileKind {
  if (name === RESAMPLED_FILE) return 'resampled'
  if (name === HU_FILE) return 'hu'
  if (name === 'resampled_half.npy') return 'half'
  if (/^mask_(fill|nofill)(_half)?\.(bits|npy)$/.test(name)) return 'mask'
  if (/^surface_\w+\.bin$/.test(name)) return 'surface'
  if (name.endsWith('.png')) return 'preview'
  return 'other'
}

/** Files `cache --prune` keeps of the run a retry is compared with: what before/after shows. */
export function keptForComparison(name: string): boolean {
  const kind = cacheFileKind(name)
  return kind === 'mask' || kind === 'surface' || kind === 'preview'
}

/** Writes a mask the way the cache keeps it; returns the file's size. */
export async function writePackedMask(runDir: string, kind: MaskKind, mask: Uint8Array, shape: Vec3): Promise<number> {
  const bytes = await encodePackedMask(mask, shape)
  await writeFileAtomic(join(runDir, PACKED_MASK_FILE[kind]), [bytes])
  return bytes.byteLength
}

/**
 * Writes the per-value counts of a run's resampled volume (`perValue[hu + 32768]`) as magic,
 * pair count (uint32), then (int32 HU, uint32 count) pairs for the values present, little endian.
 */
export async function writeHuCounts(runDir: string, perValue: Float64Array): Promise<number> {
  let n = 0
  for (let i = 0; i < perValue.length; i++) if (perValue[i]) n++
  const bytes = new Uint8Array(12 + 8 * n)
  const dv = new DataView(bytes.buffer)
  bytes.set(Buffer.from(HU_COUNTS_MAGIC, 'latin1'), 0)
  dv.setUint32(8, n, true)
  for (let i = 0, o = 12; i < perValue.length; i++) {
    if (!perValue[i]) continue
    dv.setInt32(o, i - 32768, true)
    dv.setUint32(o + 4, perValue[i]!, true)
    o += 8
  }
  await writeFileAtomic(join(runDir, HU_COUNTS_FILE), [bytes])
  return bytes.byteLength
}

/** [hu, count] pairs of a run's resampled volume; null when the run folder predates them or the file is not whole. */
export async function readHuCounts(runDir: string): Promise<Array<[number, number]> | null> {
  let bytes: Buffer
  try {
    bytes = await readFile(join(runDir, HU_COUNTS_FILE))
  } catch {
    return null
  }
  if (bytes.byteLength < 12 || bytes.toString('latin1', 0, 8) !== HU_COUNTS_MAGIC) return null
  const n = bytes.readUInt32LE(8)
  if (bytes.byteLength !== 12 + 8 * n) return null
  const out: Array<[number, number]> = new Array(n)
  for (let i = 0, o = 12; i < n; i++, o += 8) out[i] = [bytes.readInt32LE(o), bytes.readUInt32LE(o + 4)]
  return out
}

function asVec3(shape: number[], what: string): Vec3 {
  if (shape.length !== 3) throw new CuratorError('INTERNAL', `${what}: expected a 3-D volume, found shape [${shape.join(', ')}]`)
  return [shape[0]!, shape[1]!, shape[2]!]
}

async function read(path: string): Promise<Awaited<ReturnType<typeof readNpy>>> {
  try {
    return await readNpy(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CuratorError('NOT_FOUND', `The cached volume ${path} is gone (cache cleared or moved); process the scan again.`)
    throw err
  }
}

/** The resampled HU volume of a run, int16 `[z, y, x]`. */
export async function readResampled(runDir: string): Promise<CachedVolume<Int16Array>> {
  const npy = await read(join(runDir, RESAMPLED_FILE))
  if (!(npy.data instanceof Int16Array)) throw new CuratorError('INTERNAL', `${runDir}: resampled volume is ${npy.dtype}, expected int16`)
  return { data: npy.data, shape: asVec3(npy.shape, runDir) }
}

/**
 * The path of a run's `resampled.npy` when its bytes are exactly what `npyHeader('int16', shape)`
 * and `shape` voxels make, so a copy of the file is a valid copy of the volume (the export copies
 * it in the kernel instead of reading it); null when it differs or is gone.
 */
export async function plainResampledFile(runDir: string, shape: Vec3): Promise<string | null> {
  const path = join(runDir, RESAMPLED_FILE)
  const expected = npyHeader('int16', shape)
  let fh
  try {
    fh = await open(path, 'r')
  } catch {
    return null
  }
  try {
    const head = new Uint8Array(expected.byteLength)
    const [{ bytesRead }, st] = await Promise.all([fh.read(head, 0, head.byteLength, 0), fh.stat()])
    if (bytesRead !== expected.byteLength || st.size !== expected.byteLength + 2 * shape[0] * shape[1] * shape[2]) return null
    return Buffer.compare(head, expected) === 0 ? path : null
  } finally {
    await fh.close()
  }
}

/** A run's mask as packed bits, for readers that stream it; null when the run folder holds it as .npy (before packing). */
export async function readPackedMask(runDir: string, kind: MaskKind = 'fill'): Promise<PackedMask | null> {
  const path = join(runDir, PACKED_MASK_FILE[kind])
  const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null
    throw err
  })
  return bytes && inflatePackedMask(bytes, path)
}

/** A run's lung mask (fill: with vessels and nodules; nofill: air only), uint8 0/1 `[z, y, x]`. */
export async function readMask(runDir: string, kind: MaskKind = 'fill'): Promise<CachedVolume<Uint8Array>> {
  const packedPath = join(runDir, PACKED_MASK_FILE[kind])
  const packed = await readFile(packedPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null
    throw err
  })
  if (packed) return decodePackedMask(packed, packedPath)
  // A run folder from before masks were packed (or written by `preprocess`): read as it is.
  const npy = await read(join(runDir, MASK_FILE[kind]))
  if (!(npy.data instanceof Uint8Array)) throw new CuratorError('INTERNAL', `${runDir}: mask is ${npy.dtype}, expected uint8`)
  return { data: npy.data, shape: asVec3(npy.shape, runDir) }
}
