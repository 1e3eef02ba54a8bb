/**
 * The resampled volume halved on every axis (`resampled_half.npy`, 1/8 of the voxels), written
 * by the worker so the case view's first picture needs a 10 MB read instead of reading and
 * averaging the whole 86 MB volume on request. Runs from before it was written are halved on
 * request instead.
 */
import { join } from 'node:path'
import type { Vec3 } from '../../shared/api'
import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../io/atomic'
import { readNpy } from '../io/npy'
import { decodePackedMask, encodePackedMask } from './packedMask'

export const HALF_FILE = 'resampled_half.npy'

export async function readHalf(runDir: string): Promise<{ data: Int16Array; shape: Vec3 } | null> {
  try {
    const npy = await readNpy(join(runDir, HALF_FILE))
    if (!(npy.data instanceof Int16Array) || npy.shape.length !== 3) return null
    return { data: npy.data, shape: [npy.shape[0]!, npy.shape[1]!, npy.shape[2]!] }
  } catch {
    return null // an older run, or a cache pruned by hand: halve the full volume instead
  }
}

/** The fill mask halved the same way (majority of each 2×2×2 block), packed like the full one. */
export const HALF_MASK_FILE = 'mask_fill_half.bits'

export async function writeHalfMask(runDir: string, mask: Uint8Array, shape: Vec3): Promise<number> {
  const bytes = await encodePackedMask(mask, shape)
  await writeFileAtomic(join(runDir, HALF_MASK_FILE), [bytes])
  return bytes.byteLength
}

export async function readHalfMask(runDir: string): Promise<{ data: Uint8Array; shape: Vec3 } | null> {
  let bytes: Buffer
  try {
    bytes = await readFile(join(runDir, HALF_MASK_FILE))
  } catch {
    return null
  }
  return decodePackedMask(bytes, join(runDir, HALF_MASK_FILE))
}
