/** exportDataset through the router, as every transport reaches it: validation and refusals. */
import { join } from 'node:path'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { writeNpy } from '../io/npy'
import { beforeAll, describe, expect, it } from 'vitest'
import { insertScans } from '../../../test/helpers/seedDb'
import { tempDir } from '../../../test/helpers/tmp'
import { createCore, type Core } from '../core'
import { dispatch } from '../router'

describe('exportDataset over the router', () => {
  const dir = tempDir()
  let core: Core
  beforeAll(() => {
    core = createCore(join(dir, 'r.sqlite'))
    const [a] = insertScans(core.db, join(dir, 'cohort'), [
      { folder: 'p1', patientId: 'A' },
      { folder: 'p2', patientId: 'B' },
    ])
    core.db.prepare("UPDATE scans SET review = 'accepted' WHERE id = ?").run(a)
  })

  it('rejects unknown options and values with BAD_ARGUMENT naming the field', async () => {
    for (const [arg, field] of [
      [{ outDir: join(dir, 'o'), include: 'some' }, 'include'],
      [{ outDir: join(dir, 'o'), formats: ['dicom'] }, 'formats'],
      [{ outDir: join(dir, 'o'), formats: [] }, 'formats'],
      [{ outDir: join(dir, 'o'), layout: 'kaggle' }, 'layout'],
      [{ outDir: join(dir, 'o'), dilateMm: -1 }, 'dilateMm'],
      [{ outDir: join(dir, 'o'), zip: true }, 'zip'],
    ] as const) {
      const env = await dispatch(core.api, 'exportDataset', arg)
      expect(env.ok).toBe(false)
      if (!env.ok) {
        expect(env.error.code).toBe('BAD_ARGUMENT')
        expect(env.error.message).toContain(field)
      }
    }
  })

  it('says why nothing can be exported, and writes nothing', async () => {
    const env = await dispatch(core.api, 'exportDataset', { outDir: join(dir, 'o') })
    expect(env).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    if (!env.ok) expect(env.error.message).toMatch(/1 not processed, 1 not accepted/)
    expect(existsSync(join(dir, 'o'))).toBe(false)
    expect(existsSync(join(dir, '.o.partial'))).toBe(false)
  })

  it('skips a scan whose cached volumes are gone, with the reason, and exports the rest', async () => {
    const c = createCore(join(dir, 'cache.sqlite'))
    const [a, b] = insertScans(c.db, join(dir, 'cohort2'), [
      { folder: 'p1', patientId: 'A' },
      { folder: 'p2', patientId: 'B' },
    ])
    const shape = [4, 5, 6] as const
    const ct = Int16Array.from({ length: 120 }, (_, i) => i * 10 - 600)
    const mask = Uint8Array.from({ length: 120 }, (_, i) => (i % 3 === 0 ? 1 : 0))
    const run = join(dir, 'runs', 'a')
    mkdirSync(run, { recursive: true })
    await writeNpy(join(run, 'resampled.npy'), ct, [...shape])
    await writeNpy(join(run, 'mask_fill.npy'), mask, [...shape])
    const result = JSON.stringify({ shape, spacing: [2, 1, 1], resampledShape: shape, sliceOrder: [], maskFraction: 0.34, maskVolumeMl: 0.04 })
    const ins = c.db.prepare("INSERT INTO runs (scan_id, mode, status, result_json, flags_json, cache_dir) VALUES (?, 'robust', 'done', ?, '[]', ?)")
    for (const [id, cache] of [[a!, run], [b!, join(dir, 'runs', 'gone')]] as const) {
      const runId = Number(ins.run(id, result, cache).lastInsertRowid)
      c.db.prepare("UPDATE scans SET status = 'done', review = 'accepted', current_run_id = ? WHERE id = ?").run(runId, id)
    }
    const r = await c.api.exportDataset({ outDir: join(dir, 'o2'), formats: ['npy'] })
    expect(r.exported).toBe(1)
    expect(r.skipped).toEqual([expect.objectContaining({ scanId: b, folder: 'p2', code: 'cache_missing' })])
    const m = JSON.parse(readFileSync(join(dir, 'o2', 'manifest.json'), 'utf8')) as { cases: Array<{ files: { ct: string }; maskFraction: number; affineAssumed: boolean }> }
    expect(m.cases).toHaveLength(1)
    // No orientation or positions known (no headers indexed): the affine says it assumed them.
    expect(m.cases[0]!.affineAssumed).toBe(true)
    expect(m.cases[0]!.maskFraction).toBeCloseTo(40 / 120, 6)
    const bytes = readFileSync(join(dir, 'o2', m.cases[0]!.files.ct))
    expect(Buffer.compare(bytes.subarray(bytes.length - 240), Buffer.from(ct.buffer))).toBe(0)
    c.close()
  })
})
