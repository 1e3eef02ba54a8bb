import Database from 'better-sqlite3'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/tmp'
import { CuratorError } from '../../shared/errors'
import { openDb, schemaVersion } from './db'
import { MIGRATIONS } from './migrations'

describe('openDb', () => {
  const dir = tempDir()

  it('creates a WAL database with foreign keys at the latest schema', () => {
    const db = openDb(join(dir, 'sub', 'new.sqlite'))
    expect(schemaVersion(db)).toBe(MIGRATIONS.length)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    db.close()
  })

  it('migrates an older database in place and keeps its rows', () => {
    const file = join(dir, 'old.sqlite')
    // Simulate a database written by the first release: only migration 1 applied.
    const raw = new Database(file)
    raw.exec(MIGRATIONS[0]!)
    raw.pragma('user_version = 1')
    raw.prepare("INSERT INTO roots (path) VALUES ('/data/a')").run()
    raw.close()
    const db = openDb(file)
    expect(schemaVersion(db)).toBe(MIGRATIONS.length)
    expect(db.prepare('SELECT path FROM roots').pluck().all()).toEqual(['/data/a'])
    // v2 added the stored grouping; the old row has none yet (forces a full regroup).
    expect(db.prepare('SELECT group_skipped_json FROM roots').pluck().get()).toBeNull()
    db.close()
  })

  it('refuses a database from a newer version rather than corrupting it', () => {
    const file = join(dir, 'future.sqlite')
    const raw = new Database(file)
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`)
    raw.close()
    expect(() => openDb(file)).toThrow(CuratorError)
  })

  it('reports an unopenable path with DB_OPEN_FAILED', () => {
    // A regular file where a folder should be: the path can never be created.
    const blocker = join(dir, 'blocker')
    writeFileSync(blocker, 'x')
    try {
      openDb(join(blocker, 'here.sqlite'))
      expect.unreachable()
    } catch (e) {
      expect((e as CuratorError).code).toBe('DB_OPEN_FAILED')
    }
  })
})
