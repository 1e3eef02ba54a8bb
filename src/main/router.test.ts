import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { insertScans } from '../../test/helpers/seedDb'
import { tempDir } from '../../test/helpers/tmp'
import type { ProgressEvent } from '../shared/api'
import { createCore, type Core } from './core'
import { dispatch } from './router'

describe('router', () => {
  const dir = tempDir()
  let core: Core
  let ids: number[]
  beforeAll(() => {
    core = createCore(join(dir, 'r.sqlite'))
    ids = insertScans(core.db, '/data/cohort', [
      { folder: 'p1', patientId: 'A' },
      { folder: 'p2', patientId: 'B' },
    ])
  })

  it('rejects bad arguments with BAD_ARGUMENT naming the field, before touching the store', async () => {
    const env = await dispatch(core.api, 'setReview', { id: ids[0], review: 'maybe' })
    expect(env.ok).toBe(false)
    if (!env.ok) {
      expect(env.error.code).toBe('BAD_ARGUMENT')
      expect(env.error.message).toContain('review')
    }
    const extra = await dispatch(core.api, 'getScan', { id: ids[0], evil: 1 })
    expect(extra.ok).toBe(false)
  })

  it('refuses unknown methods, including Object.prototype names', async () => {
    for (const m of ['dropTables', 'constructor', '__proto__', 'toString']) {
      const env = await dispatch(core.api, m, undefined)
      expect(env).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    }
  })

  it('records a review with its note and history', async () => {
    const s = await core.api.setReview({ id: ids[0]!, review: 'accepted', note: 'looks fine' })
    expect(s.review).toBe('accepted')
    const d = await core.api.getScan({ id: ids[0]! })
    expect(d.reviewNote).toBe('looks fine')
    expect(core.db.prepare('SELECT review FROM reviews WHERE scan_id = ?').pluck().all(ids[0])).toEqual(['accepted'])
    const accepted = await core.api.listScans({ review: 'accepted' })
    expect(accepted.map((x) => x.folder)).toEqual(['p1'])
  })

  it('queues a retry: status back to pending, review "retry"', async () => {
    const s = await core.api.queueRetry({ id: ids[1]!, closingMm: 3 })
    expect(s).toMatchObject({ status: 'pending', review: 'retry' })
    expect(core.db.prepare('SELECT retry_closing_mm FROM scans WHERE id = ?').pluck().get(ids[1])).toBe(3)
  })

  it('NOT_FOUND for a missing scan', async () => {
    expect(await dispatch(core.api, 'getScan', { id: 99999 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
  })

  it('fans progress events out to subscribers until they unsubscribe', () => {
    const got: ProgressEvent[] = []
    const off = core.api.onProgress((e) => got.push(e))
    const e: ProgressEvent = { phase: 'process', done: 1, total: 2, etaSeconds: 3, current: 'p1' }
    core.events.emit('onProgress', e)
    off()
    core.events.emit('onProgress', e)
    expect(got).toEqual([e])
  })
})
