/**
 * What the case view loads, as binary: volumes (full or halved), surfaces, the Dice between two
 * runs' masks, and a source slice for scans without a volume. Everything is read through
 * `volumes.ts` / `surfaces.ts`, so the cache format stays private to the cache.
 */
import { statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { PNG } from 'pngjs'
import { writeFileAtomic } from '../io/atomic'
import { PREVIEW_FILE } from '../paths'
import { join } from 'node:path'
import type { GetVolumeArgs, RunComparison, RunInfo, SourceSliceBlob, SurfaceBlob, SurfaceKind, ThumbnailBlob, VolumeBlob } from '../../shared/api'
import { CuratorError } from '../../shared/errors'
import { readHeader, isSkipped } from '../dicom/header'
import { loadHuVolume } from '../dicom/loadVolume'
import { downsampleHu, downsampleMask, halfShape } from '../pipeline/downsample'
import { dice } from '../pipeline/dice'
import { surfaceNets } from '../pipeline/surfaceNets'
import type { Db } from '../store/db'
import { locateRun, runPair } from '../store/runs'
import { getScanDetail } from '../store/scans'
import { encodeSurface, decodeSurface, readSurface } from './surfaces'
import { readHalf, readHalfMask } from './halfVolume'
import { readMask, readResampled } from './volumes'

const own = (a: Int16Array | Uint8Array): ArrayBuffer =>
  a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? (a.buffer as ArrayBuffer) : (a.slice().buffer as ArrayBuffer)

/**
 * The case being looked at, decoded once: the viewer asks for the half then the full volume and
 * mask of one run within seconds, and reading 350³ voxels (and unpacking the mask) twice would
 * double the wait. One run folder is kept; opening another case drops it.
 */
const memo = { dir: '', entries: new Map<string, Promise<unknown>>() }
function remember<T>(dir: string, key: string, load: () => Promise<T>): Promise<T> {
  if (memo.dir !== dir) {
    memo.dir = dir
    memo.entries = new Map()
  }
  let p = memo.entries.get(key) as Promise<T> | undefined
  if (!p) {
    p = load()
    memo.entries.set(key, p)
    p.catch(() => memo.entries.get(key) === p && memo.entries.delete(key))
  }
  return p
}

export async function getVolume(db: Db, args: GetVolumeArgs): Promise<VolumeBlob> {
  const run = locateRun(db, args.id, args.runId)
  const level = args.level ?? 1
  const s = run.spacing
  if (level === 2 && args.kind === 'ct') {
    const half = await readHalf(run.dir)
    if (half) return { meta: { runId: run.runId, kind: 'ct', level, dtype: 'int16', shape: half.shape, spacing: [s[0] * 2, s[1] * 2, s[2] * 2], origin: [s[0] / 2, s[1] / 2, s[2] / 2] }, data: own(half.data) }
  }
  if (level === 2 && args.kind === 'mask') {
    const half = await readHalfMask(run.dir)
    if (half) return { meta: { runId: run.runId, kind: 'mask', level, dtype: 'uint8', shape: half.shape, spacing: [s[0] * 2, s[1] * 2, s[2] * 2], origin: [s[0] / 2, s[1] / 2, s[2] / 2] }, data: own(half.data) }
  }
  const v = await (args.kind === 'ct'
    ? remember(run.dir, 'ct', () => readResampled(run.dir))
    : remember(run.dir, 'mask', () => readMask(run.dir, 'fill')))
  if (level === 1) {
    return {
      meta: { runId: run.runId, kind: args.kind, level, dtype: args.kind === 'ct' ? 'int16' : 'uint8', shape: v.shape, spacing: s, origin: [0, 0, 0] },
      data: own(v.data),
    }
  }
  const src = v.data
  const data = await remember(run.dir, `${args.kind}/2`, async () => (src instanceof Int16Array ? downsampleHu(src, v.shape) : downsampleMask(src, v.shape)))
  return {
    meta: {
      runId: run.runId,
      kind: args.kind,
      level,
      dtype: args.kind === 'ct' ? 'int16' : 'uint8',
      shape: halfShape(v.shape),
      spacing: [s[0] * 2, s[1] * 2, s[2] * 2],
      // A block's centre sits half a fine voxel past its first voxel.
      origin: [s[0] / 2, s[1] / 2, s[2] / 2],
    },
    data: own(data),
  }
}

export async function getSurface(db: Db, args: { id: number; kind: SurfaceKind; runId?: number }): Promise<SurfaceBlob | null> {
  const run = locateRun(db, args.id, args.runId)
  let stored = await readSurface(run.dir, args.kind)
  if (!stored && args.kind === 'lung') {
    // A run from before surfaces were cached: contour its mask once here (coarse, ~0.2 s).
    const m = await readMask(run.dir, 'fill')
    const bytes = encodeSurface(surfaceNets({ mask: m.data }, m.shape, run.spacing))
    stored = decodeSurface(bytes, run.dir)
  }
  if (!stored) return null
  return { meta: { runId: run.runId, kind: args.kind, points: stored.points, triangles: stored.triangles }, data: stored.data }
}

// Dice of two runs never changes: remembered by run ids.
const diceCache = new Map<string, number>()


export async function compareRuns(db: Db, id: number): Promise<RunComparison | null> {
  const pair = runPair(db, id)
  if (!pair) return null
  const key = `${pair.before.runId}:${pair.after.runId}`
  let d = diceCache.get(key)
  if (d === undefined) {
    const [a, b] = await Promise.all([readMask(pair.before.dir, 'fill'), readMask(pair.after.dir, 'fill')])
    d = dice(a.data, b.data)
    diceCache.set(key, d)
  }
  const runs = getScanDetail(db, id).runs
  const find = (runId: number): RunInfo => runs.find((r) => r.id === runId)!
  return { scanId: id, before: find(pair.before.runId), after: find(pair.after.runId), dice: d }
}

/** The chosen series' first slice as HU (robust conversion), for a scan that has no volume. */
export async function getSourceSlice(db: Db, id: number): Promise<SourceSliceBlob> {
  const d = getScanDetail(db, id)
  const file = d.files[0]
  if (!file) throw new CuratorError('NOT_FOUND', `Scan ${id} has no image files.`)
  const abs = join(d.rootPath, file)
  const st = statSync(abs)
  const h = readHeader(abs, file, st.size, st.mtimeMs)
  if (isSkipped(h)) throw new CuratorError(h.code, `${file}: ${h.message}`, file)
  const vol = await loadHuVolume(d.rootPath, [h], 'robust')
  const ps = h.pixelSpacing ?? [1, 1]
  return {
    meta: { file, rows: vol.shape[1], columns: vol.shape[2], pixelSpacing: [ps[0]!, ps[1]!] as [number, number], dtype: 'int16' },
    data: own(vol.hu.subarray(0, vol.shape[1] * vol.shape[2])),
  }
}


const THUMB_FILE = 'thumb.png'
const THUMB_WIDTH = 320

/** Box-filters an RGBA picture down by an integer factor (sharp enough for a tile). */
export function shrinkRgba(src: Uint8Array, w: number, h: number, f: number): { data: Uint8Array; width: number; height: number } {
  const ow = Math.max(1, Math.floor(w / f))
  const oh = Math.max(1, Math.floor(h / f))
  const out = new Uint8Array(ow * oh * 4)
  const n = f * f
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++) {
      for (let c = 0; c < 4; c++) {
        let sum = 0
        for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) sum += src[((y * f + dy) * w + x * f + dx) * 4 + c]!
        out[(y * ow + x) * 4 + c] = Math.round(sum / n)
      }
    }
  return { data: out, width: ow, height: oh }
}

/**
 * The contact sheet's picture of a scan: the result's preview (axial + coronal, mask tinted)
 * shrunk to about 320 px wide, made once per run and kept beside it.
 */
export async function getThumbnail(db: Db, id: number): Promise<ThumbnailBlob | null> {
  let run
  try {
    run = locateRun(db, id)
  } catch (err) {
    if (err instanceof CuratorError && err.code === 'NOT_FOUND' && db.prepare('SELECT 1 FROM scans WHERE id = ?').get(id)) return null
    throw err
  }
  const own = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer
  const path = join(run.dir, THUMB_FILE)
  try {
    const bytes = await readFile(path)
    // Width and height from the IHDR chunk: no need to decode the picture to serve it.
    return { meta: { runId: run.runId, width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), mime: 'image/png' }, data: own(bytes) }
  } catch {
    /* not made yet */
  }
  let preview: Buffer
  try {
    preview = await readFile(join(run.dir, PREVIEW_FILE))
  } catch {
    return null // a result from before pictures: nothing to show until it is processed again
  }
  const png = PNG.sync.read(preview)
  const f = Math.max(1, Math.ceil(png.width / THUMB_WIDTH))
  const small = shrinkRgba(new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), png.width, png.height, f)
  const out = new PNG({ width: small.width, height: small.height })
  out.data = Buffer.from(small.data.buffer)
  const bytes = PNG.sync.write(out)
  await writeFileAtomic(path, [bytes]).catch(() => undefined) // a read-only cache still gets its picture
  return { meta: { runId: run.runId, width: small.width, height: small.height, mime: 'image/png' }, data: own(bytes) }
}
