/**
 * Surface meshes beside a run's volumes: `surface_lung.bin` (the fill mask) and
 * `surface_metal.bin` (voxels at the metal flag's threshold, when there are any). A 16-byte
 * header (magic, version, counts) and then exactly what the renderer uploads: float32 points,
 * uint32 triangles — served as it lies on disk.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { SurfaceKind } from '../../shared/api'
import { CuratorError } from '../../shared/errors'
import type { Mesh } from '../pipeline/surfaceNets'

const MAGIC = 0x53435443 // "CTCS" little endian
const HEADER = 16

export const surfaceFile = (kind: SurfaceKind): string => `surface_${kind}.bin`

export function encodeSurface(m: Mesh): Uint8Array {
  const nPoints = m.points.length / 3
  const nTris = m.triangles.length / 3
  const out = new Uint8Array(HEADER + m.points.byteLength + m.triangles.byteLength)
  const dv = new DataView(out.buffer)
  dv.setUint32(0, MAGIC, true)
  dv.setUint32(4, 1, true)
  dv.setUint32(8, nPoints, true)
  dv.setUint32(12, nTris, true)
  out.set(new Uint8Array(m.points.buffer, m.points.byteOffset, m.points.byteLength), HEADER)
  out.set(new Uint8Array(m.triangles.buffer, m.triangles.byteOffset, m.triangles.byteLength), HEADER + m.points.byteLength)
  return out
}

export interface StoredSurface {
  points: number
  triangles: number
  /** Points then triangles, as in `SurfaceBlob.data`. */
  data: ArrayBuffer
}

export function decodeSurface(bytes: Uint8Array, what: string): StoredSurface {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.byteLength < HEADER || dv.getUint32(0, true) !== MAGIC || dv.getUint32(4, true) !== 1)
    throw new CuratorError('INTERNAL', `${what} is not a CT Curator surface file.`)
  const points = dv.getUint32(8, true)
  const triangles = dv.getUint32(12, true)
  const size = HEADER + 12 * points + 12 * triangles
  if (bytes.byteLength !== size) throw new CuratorError('INTERNAL', `${what} holds ${bytes.byteLength} bytes, its header says ${size}.`)
  const data = bytes.buffer.slice(bytes.byteOffset + HEADER, bytes.byteOffset + size) as ArrayBuffer
  return { points, triangles, data }
}

/** The stored surface, or null when the run has none of this kind (no metal, or an older run). */
export async function readSurface(runDir: string, kind: SurfaceKind): Promise<StoredSurface | null> {
  const path = join(runDir, surfaceFile(kind))
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  return decodeSurface(bytes, path)
}
