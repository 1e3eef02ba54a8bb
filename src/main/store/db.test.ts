import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/tmp'
import { CuratorError } from '../../shared/errors'
import { APPLICATION_ID, openDb, schemaVersion } from './db'
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

  const sha = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex')

  it('refuses a corrupt, foreign or newer database with a clear error and never writes to it', () => {
    const cases: Record<string, (f: string) => void> = {
      'not SQLite at all': (f) => writeFileSync(f, Buffer.from('PK\u0003\u0004 a zip, or anything else'.repeat(200))),
      'SQLite header, garbage after': (f) => {
        const b = Buffer.alloc(8192, 0xa5)
        b.write('SQLite format 3\u0000', 0, 'latin1')
        writeFileSync(f, b)
      },
      "another program's database": (f) => {
        const raw = new Database(f)
        raw.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT); INSERT INTO photos (path) VALUES (\'a.jpg\')')
        raw.close()
      },
      'another application id': (f) => {
        const raw = new Database(f)
        raw.pragma('application_id = 1234')
        raw.exec(MIGRATIONS[0]!)
        raw.pragma('user_version = 1')
        raw.close()
      },
      'a newer schema': (f) => {
        const raw = new Database(f)
        raw.exec(MIGRATIONS[0]!)
        raw.pragma(`user_version = ${MIGRATIONS.length + 5}`)
        raw.close()
      },
    }
    for (const [name, make] of Object.entries(cases)) {
      const sub = join(dir, name.replace(/\W+/g, '-'))
      const f = join(sub, 'db.sqlite')
      mkdirSync(sub)
      make(f)
      const before = sha(f)
      const err = (() => {
        try {
          openDb(f).close()
          return null
        } catch (e) {
          return e as CuratorError
        }
      })()
      expect(err, name).toBeInstanceOf(CuratorError)
      expect(err!.code, name).toBe('DB_OPEN_FAILED')
      expect(err!.message, name).toMatch(/left untouched/)
      expect(sha(f), name).toBe(before)
      expect(readdirSync(sub), name).toEqual(['db.sqlite']) // no -wal, no -shm, no journal
    }
  })

  it('with mustExist, refuses a missing database and creates nothing', () => {
    const f = join(dir, 'typo', 'nope.sqlite')
    expect(() => openDb(f, { mustExist: true })).toThrow(/No database at/)
    expect(existsSync(join(dir, 'typo'))).toBe(false)
    const made = openDb(join(dir, 'there.sqlite'))
    made.close()
    const again = openDb(join(dir, 'there.sqlite'), { mustExist: true })
    expect(again.pragma('application_id', { simple: true })).toBe(APPLICATION_ID)
    again.close()
  })
})
