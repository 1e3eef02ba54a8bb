import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/tmp'
import { openDb } from '../store/db'
import { caseNames, casePseudonym, exportSecret, hashedUid } from './pseudonym'

describe('pseudonyms', () => {
  const dir = tempDir()

  it('are stable within a database, differ between databases, and keep the secret in the database', () => {
    const a = openDb(join(dir, 'a.sqlite'))
    const b = openDb(join(dir, 'b.sqlite'))
    const sa = exportSecret(a)
    expect(sa.length).toBe(32)
    expect(exportSecret(a).equals(sa)).toBe(true)
    a.close()
    const again = openDb(join(dir, 'a.sqlite'))
    expect(exportSecret(again).equals(sa)).toBe(true) // survives a reopen
    const sb = exportSecret(b)
    expect(sb.equals(sa)).toBe(false)
    expect(casePseudonym(sa, 'p1\u0000ID1')).toBe(casePseudonym(exportSecret(again), 'p1\u0000ID1'))
    expect(casePseudonym(sa, 'p1\u0000ID1')).not.toBe(casePseudonym(sb, 'p1\u0000ID1'))
    expect(casePseudonym(sa, 'p1\u0000ID1')).toMatch(/^case_[0-9a-f]{12}$/)
    again.close()
    b.close()
  })

  it('never contain the input, and separate patients from UIDs', () => {
    const s = Buffer.alloc(32, 7)
    expect(hashedUid(s, '1.2.3')).toMatch(/^[0-9a-f]{32}$/)
    expect(casePseudonym(s, '1.2.3').slice(5)).not.toBe(hashedUid(s, '1.2.3').slice(0, 12))
  })

  it('give two scans of one patient distinct, stable names', () => {
    const s = Buffer.alloc(32, 1)
    const names = caseNames(s, [
      { patientKey: 'A', seriesUid: '1.1' },
      { patientKey: 'A', seriesUid: '1.2' },
      { patientKey: 'B', seriesUid: '1.3' },
    ])
    expect(new Set(names).size).toBe(3)
    expect(names[2]).toBe(casePseudonym(s, 'B'))
    expect(names[0]!.startsWith(casePseudonym(s, 'A') + '_')).toBe(true)
  })
})
