import { lstatSync, readdirSync, statSync } from 'node:fs'
import { join, sep } from 'node:path'
import type { SkippedFile } from './types'

export interface FileEntry {
  /** Relative to the root, `/`-separated. */
  rel: string
  abs: string
  size: number
  mtimeMs: number
}

/** A file found; its absolute path is built when asked for (most rescans never ask). */
class Entry implements FileEntry {
  constructor(
    private readonly dir: string,
    private readonly name: string,
    readonly rel: string,
    readonly size: number,
    readonly mtimeMs: number,
  ) {}

  get abs(): string {
    return this.dir + this.name
  }
}

/** A folder reached through a symlink is not followed (loops); one gone meanwhile neither. */
function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink()
  } catch {
    return true
  }
}

export interface WalkOptions {
  /** Await `tick` after this many entries, so a big tree does not hold the event loop. */
  yieldEvery?: number
  tick?: () => Promise<void>
}

/**
 * Lists every regular file under `root`, sorted, recursively. Symlinked files are followed;
 * symlinked folders are not (loops). An unreadable folder is reported, not fatal.
 *
 * One `stat` per entry and names only from `readdir`: every file needs its size and mtime
 * anyway, and an unchanged rescan is mostly this walk, so the typed entries and absolute paths
 * it used to allocate per file (then collect) were a sixth of its time.
 */
export async function walk(
  root: string,
  opts: WalkOptions = {},
): Promise<{ files: FileEntry[]; problems: SkippedFile[]; unlistedFolders: number }> {
  const files: FileEntry[] = []
  const problems: SkippedFile[] = []
  let unlistedFolders = 0
  const every = opts.yieldEvery ?? Infinity
  let sinceYield = 0
  const visit = async (abs: string, rel: string): Promise<void> => {
    let names: string[]
    try {
      names = readdirSync(abs)
    } catch (err) {
      problems.push({ path: rel || '.', code: 'DICOM_UNREADABLE', message: `Cannot list folder: ${(err as Error).message}` })
      unlistedFolders++
      return
    }
    // Default sort: UTF-16 code units, the order `<` gives.
    names.sort()
    const dir = abs.endsWith(sep) ? abs : abs + sep
    const relDir = rel ? `${rel}/` : ''
    for (const name of names) {
      if (++sinceYield >= every && opts.tick) {
        sinceYield = 0
        await opts.tick()
      }
      const childRel = relDir + name
      let st
      try {
        st = statSync(dir + name)
      } catch (err) {
        problems.push({ path: childRel, code: 'DICOM_UNREADABLE', message: `Cannot stat file: ${(err as Error).message}` })
        continue
      }
      if (st.isFile()) files.push(new Entry(dir, name, childRel, st.size, st.mtimeMs))
      else if (st.isDirectory() && !isLink(dir + name)) await visit(dir + name, childRel)
    }
  }
  await visit(join(root), '')
  return { files, problems, unlistedFolders }
}
