import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs'
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
export async function writeFileAtomic(path: string, parts: Uint8Array[], onCopied?: () => void): Promise<void> {
  try {
    await writeAtomic(path, parts, onCopied)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // Said plainly, with the file, so the user knows which disk to free.
    if (code === 'ENOSPC' || code === 'EDQUOT') throw diskFull(path, code)
    throw err
  }
}

/**
 * @param onCopied called once every byte is in the kernel's hands (before the fsync): from then
 *   on the caller may reuse `parts`' memory while the file is made durable.
 */
async function writeAtomic(path: string, parts: Uint8Array[], onCopied?: () => void): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  const fh = await open(tmp, 'w')
  try {
    for (const p of parts) {
      let off = 0
      while (off < p.byteLength) off += (await fh.write(p, off, p.byteLength - off)).bytesWritten
    }
    onCopied?.()
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

/**
 * writeFileAtomic with blocking calls, for a helper thread (jobs/helperThreads.ts): one message
 * there and back instead of eight trips through an event loop that a busy pipeline thread
 * seldom turns.
 */
export function writeFileAtomicSync(path: string, parts: Uint8Array[]): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    const fd = openSync(tmp, 'w')
    try {
      for (const p of parts) for (let off = 0; off < p.byteLength; ) off += writeSync(fd, p, off, p.byteLength - off)
      fsyncSync(fd)
    } catch (err) {
      closeSync(fd)
      try {
        unlinkSync(tmp)
      } catch {
        // already gone
      }
      throw err
    }
    closeSync(fd)
    renameSync(tmp, path)
    const dir = openSync(dirname(path), 'r')
    try {
      fsyncSync(dir)
    } finally {
      closeSync(dir)
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOSPC' || code === 'EDQUOT') throw diskFull(path, code)
    throw err
  }
}

/** writeNpyAtomic with blocking calls (see writeFileAtomicSync). Returns the file's size. */
export function writeNpyAtomicSync(path: string, data: NpyArray, shape: readonly number[]): number {
  if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new Error(`npy: shape ${shape.join('×')} does not match ${data.length} elements`)
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  const header = npyHeader(dtypeOf(data), shape)
  writeFileAtomicSync(path, [header, bytes])
  return header.byteLength + bytes.byteLength
}

/** `.npy` v1.0 written atomically, without copying the volume. Returns the file's size. See writeAtomic for `onCopied`. */
export async function writeNpyAtomic(path: string, data: NpyArray, shape: readonly number[], onCopied?: () => void): Promise<number> {
  if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new Error(`npy: shape ${shape.join('×')} does not match ${data.length} elements`)
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  const header = npyHeader(dtypeOf(data), shape)
  await writeFileAtomic(path, [header, bytes], onCopied)
  return header.byteLength + bytes.byteLength
}
