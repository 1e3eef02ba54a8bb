import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { CuratorError } from '../../shared/errors'
import { MIGRATIONS } from './migrations'

export type Db = Database.Database

export interface OpenDbOptions {
  /** Open without migrating (used to inspect a database another process owns). @default false */
  readonly?: boolean
  /** Path of a better-sqlite3 addon built for another ABI (Electron's). */
  nativeBinding?: string
}

/**
 * Opens (creating if needed) the curator database: WAL so the UI can read while workers
 * write, foreign keys on, and migrations applied up to the current version.
 */
export function openDb(file: string, opts: OpenDbOptions = {}): Db {
  const path = resolve(file)
  let db: Db
  try {
    if (!opts.readonly) mkdirSync(dirname(path), { recursive: true })
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false, nativeBinding: opts.nativeBinding })
  } catch (err) {
    throw new CuratorError(
      'DB_OPEN_FAILED',
      `Cannot open database ${path}: ${(err as Error).message}. Check the path and its permissions.`,
    )
  }
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    migrate(db)
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
      db.exec(MIGRATIONS[v]!)
      db.pragma(`user_version = ${v + 1}`)
    }).immediate()
  }
  return schemaVersion(db)
}
