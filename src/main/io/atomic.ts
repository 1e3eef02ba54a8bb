import { open, rename, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import { randomBytes } from 'node:crypto'
import { diskFull } from '../../shared/errors'
import { npyHeader, dtypeOf, type NpyArray } from './npy'

/**
 * Writes a file so that readers see either the old file or the whole new one, never a part:
 * temp file in the same folder, fsync, rename, fsync the folder. A crash leaves at most a
 * `.tmp-*` file, which readers ignore.
 */
export async function writeFileAtomic(path: string, parts: Uint8Array[]): Promise<void> {
  try {
    await writeAtomic(path, parts)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // Said plainly, with the file, so the user knows which disk to free.
    if (code === 'ENOSPC' || code === 'EDQUOT') throw diskFull(path, code)
    throw err
  }
}

async function writeAtomic(path: string, parts: Uint8Array[]): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  const fh = await open(tmp, 'w')
  try {
    for (const p of parts) {
      let off = 0
      while (off < p.byteLength) off += (await fh.write(p, off, p.byteLength - off)).bytesWritten
    }
    await fh.sync()
  } catch (err) {
    await fh.close().catch(() => undefined)
    await unlink(tmp).catch(() => undefined)
    throw err
  }
  await fh.close()
  await rename(tmp, path)
  const dir = await open(dirname(path), 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}

/** `.npy` v1.0 written atomically, without copying the volume. Returns the file's size. */
export async function writeNpyAtomic(path: string, data: NpyArray, shape: readonly number[]): Promise<number> {
  if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new Error(`npy: shape ${shape.join('×')} does not match ${data.length} elements`)
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  const header = npyHeader(dtypeOf(data), shape)
  await writeFileAtomic(path, [header, bytes])
  return header.byteLength + bytes.byteLength
}
