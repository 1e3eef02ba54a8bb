import { readdirSync, statSync } from 'node:fs'
import { join, sep } from 'node:path'
import type { SkippedFile } from './types'

export interface FileEntry {
  /** Relative to the root, `/`-separated. */
  rel: string
  abs: string
  size: number
  mtimeMs: number
}

export interface WalkOptions {
  /** Await `tick` after this many entries, so a big tree does not hold the event loop. */
  yieldEvery?: number
  tick?: () => Promise<void>
}

/**
 * Lists every regular file under `root`, sorted, recursively. Symlinked files are followed;
 * symlinked folders are not (loops). An unreadable folder is reported, not fatal.
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
    let entries
    try {
      entries = readdirSync(abs, { withFileTypes: true })
    } catch (err) {
      problems.push({ path: rel || '.', code: 'DICOM_UNREADABLE', message: `Cannot list folder: ${(err as Error).message}` })
      unlistedFolders++
      return
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const e of entries) {
      if (++sinceYield >= every && opts.tick) {
        sinceYield = 0
        await opts.tick()
      }
      // `abs` is already normalised: concatenation, not path.join's re-normalising of every path.
      const childAbs = abs.endsWith(sep) ? abs + e.name : abs + sep + e.name
      const childRel = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) {
        await visit(childAbs, childRel)
        continue
      }
      if (!e.isFile() && !e.isSymbolicLink()) continue
      try {
        const st = statSync(childAbs)
        if (st.isFile()) files.push({ rel: childRel, abs: childAbs, size: st.size, mtimeMs: st.mtimeMs })
      } catch (err) {
        problems.push({ path: childRel, code: 'DICOM_UNREADABLE', message: `Cannot stat file: ${(err as Error).message}` })
      }
    }
  }
  await visit(join(root), '')
  return { files, problems, unlistedFolders }
}
