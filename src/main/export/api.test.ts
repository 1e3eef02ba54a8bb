/** exportDataset through the router, as every transport reaches it: validation and refusals. */
import { join } from 'node:path'
import { existsSync } from 'node:fs'
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
})
