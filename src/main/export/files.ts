/**
 * File plumbing of the export: every file is written under a temporary name and renamed, so a
 * file with its final name is always whole; the dataset folder itself appears by one rename.
 */
import { constants } from 'node:fs'
import { copyFile, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { unpackBits } from '../cache/packedMask'

/** Writes `chunks` to `path` via `path.tmp` and a rename. No fsync here: see {@link syncTree}. */
export async function writeChunks(path: string, chunks: readonly Uint8Array[]): Promise<number> {
  const tmp = `${path}.tmp`
  const fh = await open(tmp, 'w')
  let bytes = 0
  try {
    for (const c of chunks) {
      let off = 0
      while (off < c.byteLength) off += (await fh.write(c, off, c.byteLength - off)).bytesWritten
      bytes += c.byteLength
    }
  } finally {
    await fh.close()
  }
  await rename(tmp, path)
  return bytes
}

/** Voxels per chunk of {@link writeUnpacked}: small enough to stay in cache-friendly reused buffers. */
const UNPACK_CHUNK = 1 << 20

/**
 * Writes `header` then `n` packed voxels as one byte each (0/1), via `path.tmp` and a rename,
 * unpacking a chunk while the one before is written: two 1 MB buffers instead of a fresh array
 * of the whole mask, whose first-touch page faults cost more than the unpacking.
 */
export async function writeUnpacked(path: string, header: Uint8Array, bits: Uint8Array, n: number): Promise<number> {
  const tmp = `${path}.tmp`
  const fh = await open(tmp, 'w')
  const buffers = [new Uint8Array(UNPACK_CHUNK), new Uint8Array(UNPACK_CHUNK)]
  const writeAll = async (c: Uint8Array): Promise<void> => {
    let off = 0
    while (off < c.byteLength) off += (await fh.write(c, off, c.byteLength - off)).bytesWritten
  }
  try {
    await writeAll(header)
    let pending: Promise<void> = Promise.resolve()
    for (let start = 0, k = 0; start < n; start += UNPACK_CHUNK, k ^= 1) {
      const count = Math.min(UNPACK_CHUNK, n - start)
      const chunk = unpackBits(bits.subarray(start >> 3), count, buffers[k]!.subarray(0, count))
      await pending
      pending = writeAll(chunk)
    }
    await pending
  } finally {
    await fh.close()
  }
  await rename(tmp, path)
  return header.byteLength + n
}

/**
 * Copies `src` to `path` via `path.tmp` and a rename. The copy stays in the kernel
 * (copy_file_range, or a reflink where the file system shares blocks), as `cp` does.
 */
export async function copyFileAtomic(src: string, path: string): Promise<void> {
  const tmp = `${path}.tmp`
  await copyFile(src, tmp, constants.COPYFILE_FICLONE)
  await rename(tmp, path)
}

/** Every file under `dir` (relative paths, `/`-separated), sorted. */
export async function listTree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...(await listTree(dir, rel)))
    else out.push(rel)
  }
  return out.sort()
}

/**
 * fsync of every file and folder under `dir`, a few at a time: the data is on disk before the
 * folder is renamed into place, so even a power cut cannot publish a dataset with empty files.
 */
export async function syncTree(dir: string, files: readonly string[]): Promise<void> {
  const dirs = new Set<string>([dir])
  for (const f of files) for (let d = dirname(join(dir, f)); d.length > dir.length; d = dirname(d)) dirs.add(d)
  await syncPaths([...files.map((f) => join(dir, f)), ...dirs])
}

/** fsync of `files` (relative to `dir`); a file already flushed costs next to nothing when syncTree comes to it. */
export const syncFiles = (dir: string, files: readonly string[]): Promise<void> => syncPaths(files.map((f) => join(dir, f)))

async function syncPaths(paths: readonly string[]): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const fh = await open(paths[next++]!, 'r')
      try {
        await fh.sync()
      } finally {
        await fh.close()
      }
    }
  }
  await Promise.all(Array.from({ length: 4 }, worker))
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

export const removeTree = (path: string): Promise<void> => rm(path, { recursive: true, force: true })
