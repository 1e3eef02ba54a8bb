/**
 * Datasets the app opens from its first screen: a root folder and its database. The default
 * database sits beside the root (`<root>/../<name>.ctc.sqlite`, never inside the source tree);
 * recently opened datasets are remembered in the user-data folder.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import type { FolderCheck, RecentDataset } from '../shared/api'
import { writeFileAtomic } from './io/atomic'
import { defaultUserDataDir } from './paths'

const MAX_RECENT = 12

export const defaultDatasetDb = (root: string): string => {
  const abs = resolve(root)
  return join(dirname(abs), `${basename(abs) || 'dataset'}.ctc.sqlite`)
}

const recentFile = (): string => join(defaultUserDataDir(), 'recent-datasets.json')

export function readRecent(): RecentDataset[] {
  let list: Array<Omit<RecentDataset, 'available'>>
  try {
    list = JSON.parse(readFileSync(recentFile(), 'utf8')) as typeof list
    if (!Array.isArray(list)) return []
  } catch {
    return [] // none yet, or unreadable: an empty list is the honest answer
  }
  return list
    .filter((d) => typeof d.root === 'string' && typeof d.db === 'string')
    .map((d) => ({ root: d.root, db: d.db, openedAt: String(d.openedAt ?? ''), available: existsSync(d.root) && existsSync(d.db) }))
}

export async function rememberDataset(root: string, db: string): Promise<void> {
  const entry = { root: resolve(root), db: resolve(db), openedAt: new Date().toISOString() }
  const rest = readRecent()
    .filter((d) => !(d.root === entry.root && d.db === entry.db))
    .map(({ root: r, db: b, openedAt }) => ({ root: r, db: b, openedAt }))
  mkdirSync(dirname(recentFile()), { recursive: true })
  await writeFileAtomic(recentFile(), [Buffer.from(JSON.stringify([entry, ...rest].slice(0, MAX_RECENT), null, 2))])
}

export function inspectFolder(path: string): FolderCheck {
  const abs = resolve(path)
  const suggestedDb = defaultDatasetDb(abs)
  const base: FolderCheck = {
    path: abs,
    exists: false,
    isDirectory: false,
    readable: false,
    entries: 0,
    suggestedDb,
    suggestedDbExists: existsSync(suggestedDb),
    problem: null,
  }
  let st
  try {
    st = statSync(abs)
  } catch {
    return { ...base, problem: `There is no folder at ${abs}.` }
  }
  if (!st.isDirectory()) return { ...base, exists: true, problem: `${abs} is a file; choose the folder that holds the patient folders.` }
  try {
    accessSync(abs, constants.R_OK | constants.X_OK)
    const entries = readdirSync(abs).length
    return {
      ...base,
      exists: true,
      isDirectory: true,
      readable: true,
      entries: Math.min(entries, 10_000),
      problem: entries === 0 ? `${abs} is empty.` : null,
    }
  } catch {
    return { ...base, exists: true, isDirectory: true, problem: `${abs} cannot be read (permissions).` }
  }
}
