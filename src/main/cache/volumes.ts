/**
 * The one way to read a run's cached volumes. The renderer's volume API, the export and any
 * later cache format (packed masks, pruned files) go through these functions, so the layout of
 * a run folder is known here and in the writer (`jobs/pipeline.ts`) only.
 */
import { join } from 'node:path'
import type { Vec3 } from '../../shared/api'
import { CuratorError } from '../../shared/errors'
import { readNpy } from '../io/npy'

export interface CachedVolume<T extends Int16Array | Uint8Array> {
  data: T
  /** [z, y, x] voxels. */
  shape: Vec3
}

export type MaskKind = 'fill' | 'nofill'

const MASK_FILE: Record<MaskKind, string> = { fill: 'mask_fill.npy', nofill: 'mask_nofill.npy' }

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
  const npy = await read(join(runDir, 'resampled.npy'))
  if (!(npy.data instanceof Int16Array)) throw new CuratorError('INTERNAL', `${runDir}: resampled volume is ${npy.dtype}, expected int16`)
  return { data: npy.data, shape: asVec3(npy.shape, runDir) }
}

/** A run's lung mask (fill: with vessels and nodules; nofill: air only), uint8 0/1 `[z, y, x]`. */
export async function readMask(runDir: string, kind: MaskKind = 'fill'): Promise<CachedVolume<Uint8Array>> {
  const npy = await read(join(runDir, MASK_FILE[kind]))
  if (!(npy.data instanceof Uint8Array)) throw new CuratorError('INTERNAL', `${runDir}: mask is ${npy.dtype}, expected uint8`)
  return { data: npy.data, shape: asVec3(npy.shape, runDir) }
}
