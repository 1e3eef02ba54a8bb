/**
 * File plumbing of the export: every file is written under a temporary name and renamed, so a
 * file with its final name is always whole; the dataset folder itself appears by one rename.
 */
import { open, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'

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
 * Done once at the end rather than per file: the kernel writes back while we compute.
 */
export async function syncTree(dir: string, files: readonly string[]): Promise<void> {
  const dirs = new Set<string>([dir])
  for (const f of files) for (let d = dirname(join(dir, f)); d.length > dir.length; d = dirname(d)) dirs.add(d)
  const paths = [...files.map((f) => join(dir, f)), ...dirs]
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
