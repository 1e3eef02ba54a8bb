import Database from 'better-sqlite3'
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { CuratorError } from '../../shared/errors'
import { MIGRATIONS } from './migrations'

export type Db = Database.Database

export interface OpenDbOptions {
  /** Open without migrating (used to inspect a database another process owns). @default false */
  readonly?: boolean
  /**
   * Refuse, with NOT_FOUND, when there is no database at the path instead of creating one:
   * commands that only read (status, cache) must not leave an empty database behind a typo.
   * @default false
   */
  mustExist?: boolean
  /** Path of a better-sqlite3 addon built for another ABI (Electron's). */
  nativeBinding?: string
}

/** `PRAGMA application_id` of a CT Curator database ("CTCu"): tells ours from any other SQLite file. */
export const APPLICATION_ID = 0x43544375
const SQLITE_MAGIC = 'SQLite format 3\0'

/**
 * What is at `path` before SQLite touches it: nothing (a new database), an empty file, or a
 * file that must be a SQLite database. Anything else is refused before a byte is written.
 */
function checkFile(path: string, mustExist: boolean): void {
  let size: number
  try {
    size = statSync(path).size
  } catch {
    if (mustExist) throw new CuratorError('NOT_FOUND', `No database at ${path}. Check the path; \`ct-curator process <root> --db ${path}\` creates one.`)
    return
  }
  if (size === 0) return
  const head = Buffer.alloc(16)
  const fd = openSync(path, 'r')
  try {
    readSync(fd, head, 0, 16, 0)
  } finally {
    closeSync(fd)
  }
  if (head.toString('latin1') !== SQLITE_MAGIC) {
    throw new CuratorError('DB_OPEN_FAILED', `${path} is not a SQLite database (corrupt, or another kind of file); it was left untouched. Give another --db path.`)
  }
}

/**
 * Ours, new, or someone else's? An unknown application id, or tables without our schema
 * version, is another program's database: refused, never migrated into.
 */
function checkOwnership(db: Db, path: string): void {
  const appId = db.pragma('application_id', { simple: true }) as number
  const version = schemaVersion(db)
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[]
  const foreign = (appId !== 0 && appId !== APPLICATION_ID) || (version === 0 && tables.length > 0) || (version > 0 && !tables.includes('scans'))
  if (foreign) {
    throw new CuratorError('DB_OPEN_FAILED', `${path} is a SQLite database of another program, not CT Curator's; it was left untouched. Give another --db path.`)
  }
  if (version > MIGRATIONS.length) {
    throw new CuratorError(
      'DB_OPEN_FAILED',
      `Database ${path} has schema v${version}, newer than this CT Curator (v${MIGRATIONS.length}); it was left untouched. Update the app.`,
    )
  }
}

/**
 * Opens (creating if needed) the curator database: WAL so the UI can read while workers
 * write, foreign keys on, and migrations applied up to the current version. A corrupt, foreign
 * or newer database is refused before anything is written to it.
 */
export function openDb(file: string, opts: OpenDbOptions = {}): Db {
  const path = resolve(file)
  const mustExist = !!(opts.readonly || opts.mustExist)
  checkFile(path, mustExist)
  let db: Db
  try {
    if (!mustExist) mkdirSync(dirname(path), { recursive: true })
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: mustExist, nativeBinding: opts.nativeBinding })
  } catch (err) {
    throw new CuratorError(
      'DB_OPEN_FAILED',
      `Cannot open database ${path}: ${(err as Error).message}. Check the path and its permissions.`,
    )
  }
  try {
    db.pragma('busy_timeout = 5000')
    checkOwnership(db, path)
    db.pragma('foreign_keys = ON')
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      migrate(db)
      if (db.pragma('application_id', { simple: true }) !== APPLICATION_ID) db.pragma(`application_id = ${APPLICATION_ID}`)
    }
  } catch (err) {
    db.close()
    if (err instanceof CuratorError) throw err
    const code = (err as { code?: string }).code ?? ''
    // SQLITE_CORRUPT, SQLITE_NOTADB: a damaged file is reported, not repaired over.
    if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) {
      throw new CuratorError('DB_OPEN_FAILED', `Database ${path} is damaged (${(err as Error).message}); it was left untouched. Restore a backup or give another --db path.`)
    }
    throw new CuratorError('DB_OPEN_FAILED', `Cannot open database ${path}: ${(err as Error).message}.`)
  }
  return db
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number
}

/** Applies every migration newer than the database, each in its own transaction. */
export function migrate(db: Db): number {
  const current = schemaVersion(db)
  if (current > MIGRATIONS.length) {
    throw new CuratorError(
      'DB_OPEN_FAILED',
      `Database schema v${current} is newer than this CT Curator (v${MIGRATIONS.length}). Update the app.`,
    )
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      // Another process opening the same new database may have got here first.
      if (schemaVersion(db) !== v) return
      db.exec(MIGRATIONS[v]!)
      db.pragma(`user_version = ${v + 1}`)
    }).immediate()
  }
  return schemaVersion(db)
}
