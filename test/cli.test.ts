import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createCore } from '../src/main/core'
import { ct as ctArgs } from './helpers/cli'
import { insertScans } from './helpers/seedDb'
import { tempDir } from './helpers/tmp'

const ct = (...args: string[]) => ctArgs(args)

describe('ct-curator CLI (real process, real SQLite file)', () => {
  const dir = tempDir()
  const db = join(dir, 'cli.sqlite')
  beforeAll(() => {
    const core = createCore(db)
    insertScans(core.db, '/data/cohort', [
      { folder: 'LIDC-0001', patientId: 'P1' },
      { folder: 'LIDC-0002', patientId: 'P2' },
    ])
    core.close()
  })

  it('--help lists the commands', async () => {
    const r = await ct('--help')
    expect(r.code).toBe(0)
    for (const c of ['demo', 'serve', 'status', 'review', 'retry']) expect(r.stdout).toContain(c)
  })

  it('status --json prints the contract fields', async () => {
    const r = await ct('status', '--db', db, '--json')
    expect(r.code).toBe(0)
    const scans = JSON.parse(r.stdout) as Array<Record<string, unknown>>
    expect(scans).toHaveLength(2)
    for (const key of [
      'folder', 'patientId', 'seriesUid', 'status', 'review', 'flags', 'maskFraction', 'maskFractionNoFill',
      'sliceCount', 'spacing', 'shape', 'resampledShape', 'resampledSpacing', 'huMin', 'huMax', 'error', 'timingsMs',
    ]) {
      expect(scans[0]).toHaveProperty(key)
    }
    expect(scans[0]).toMatchObject({ folder: 'LIDC-0001', status: 'pending', review: 'unreviewed', flags: [], error: null })
  })

  it('review by folder and retry by PatientID change what status reports', async () => {
    expect((await ct('review', 'LIDC-0001', '--db', db, '--reject', '--note', 'motion')).code).toBe(0)
    expect((await ct('retry', 'P2', '--db', db, '--closing-mm', '3')).code).toBe(0)
    const scans = JSON.parse((await ct('status', '--db', db, '--json')).stdout) as Array<{ folder: string; review: string }>
    expect(scans.map((s) => [s.folder, s.review])).toEqual([
      ['LIDC-0001', 'rejected'],
      ['LIDC-0002', 'retry'],
    ])
  })

  it('gives specific errors and non-zero exits', async () => {
    const missing = await ct('review', 'nobody', '--db', db, '--accept')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('NOT_FOUND')
    const both = await ct('review', 'P1', '--db', db, '--accept', '--reject')
    expect(both.code).toBe(2)
    const wide = await ct('serve', '--db', db, '--host', '0.0.0.0')
    expect(wide.code).toBe(2)
    expect(wide.stderr).toMatch(/loopback only/)
    const badR = await ct('retry', 'P1', '--db', db, '--closing-mm', 'lots')
    expect(badR.code).not.toBe(0)
  })
})
