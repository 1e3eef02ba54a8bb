import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CuratorError } from '../../shared/errors'
import { DEMO_RECIPES, writeDemoCohort } from './cohort'
import { resolveOptions } from './options'

const base = await mkdtemp(join(tmpdir(), 'phantom-cohort-'))
afterAll(() => rm(base, { recursive: true, force: true }))

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    return e instanceof CuratorError ? `${e.code}: ${e.message}` : String(e)
  }
  return 'resolved'
}

describe('writeDemoCohort arguments', () => {
  it('refuses a truth directory inside the root', async () => {
    expect(await rejection(writeDemoCohort(join(base, 'a'), { truthDir: join(base, 'a', 'truth') }))).toMatch(
      /^BAD_ARGUMENT: .*must not be inside/,
    )
    expect(await rejection(writeDemoCohort(join(base, 'a'), { truthDir: join(base, 'a') }))).toMatch(/^BAD_ARGUMENT/)
  })

  it('refuses fewer than 8 patients', async () => {
    expect(await rejection(writeDemoCohort(join(base, 'b'), { patients: 7 }))).toMatch(/^BAD_ARGUMENT: .*8/)
  })

  it('refuses a non-empty root unless told to overwrite', async () => {
    await mkdir(join(base, 'c'), { recursive: true })
    await writeFile(join(base, 'c', 'mine.txt'), 'keep me')
    expect(await rejection(writeDemoCohort(join(base, 'c')))).toMatch(/^BAD_ARGUMENT: .*not empty/)
  })
})

describe('DEMO_RECIPES', () => {
  it('covers every case and file knob in the first eight, and each recipe is valid', () => {
    const first8 = DEMO_RECIPES.slice(0, 8).map((r) => resolveOptions(r))
    for (const c of ['normal', 'tray', 'pacemaker', 'tracheostomy', 'one_lung'])
      expect(first8.some((o) => o.case === c)).toBe(true)
    expect(first8.filter((o) => o.case === 'normal').length).toBeGreaterThanOrEqual(3)
    expect(first8.some((o) => o.fileNaming === 'random' && o.omitSliceLocation)).toBe(true)
    expect(first8.some((o) => o.rescaleSlope !== 1)).toBe(true)
    expect(first8.some((o) => o.storage === 'uint16')).toBe(true)
    expect(first8.some((o) => o.truncatedFiles > 0)).toBe(true)
    expect(first8.reduce((n, o) => n + o.junkFiles, 0)).toBeGreaterThanOrEqual(2)
    expect(first8.reduce((n, o) => n + o.slices, 0)).toBeGreaterThanOrEqual(100)
    for (const r of DEMO_RECIPES) expect(() => resolveOptions(r)).not.toThrow()
  })

  it('ends with the upper-abdomen cases, inside the default twelve, at 5 and 2.5 mm slices', () => {
    // Appended, so a cohort of ten keeps its patients; the default size includes them.
    expect(DEMO_RECIPES.length).toBe(12)
    const abdomen = DEMO_RECIPES.slice(10).map((r) => resolveOptions(r))
    expect(abdomen.map((o) => o.case)).toEqual(['abdomen', 'abdomen'])
    expect(abdomen.map((o) => o.sliceSpacing)).toEqual([5, 2.5])
    for (const o of abdomen) expect(o.abdomenMm).toBeGreaterThan(40)
    expect(DEMO_RECIPES.slice(0, 10).every((r) => r.case !== 'abdomen')).toBe(true)
  })
})
