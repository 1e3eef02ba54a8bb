import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { SkippedFile } from './types'

export interface FileEntry {
  /** Relative to the root, `/`-separated. */
  rel: string
  abs: string
  size: number
  mtimeMs: number
}

/**
 * Lists every regular file under `root`, sorted, recursively. Symlinked files are followed;
 * symlinked folders are not (loops). An unreadable folder is reported, not fatal.
 */
export function walk(root: string): { files: FileEntry[]; problems: SkippedFile[] } {
  const files: FileEntry[] = []
  const problems: SkippedFile[] = []
  const visit = (abs: string, rel: string): void => {
    let entries
    try {
      entries = readdirSync(abs, { withFileTypes: true })
    } catch (err) {
      problems.push({ path: rel || '.', code: 'DICOM_UNREADABLE', message: `Cannot list folder: ${(err as Error).message}` })
      return
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const e of entries) {
      const childAbs = join(abs, e.name)
      const childRel = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) {
        visit(childAbs, childRel)
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
  visit(root, '')
  return { files, problems }
}
