import { describe, expect, it } from 'vitest'
import { CuratorError } from '../../shared/errors'
import { PHANTOM_CASES, resolveOptions } from './options'

function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return e instanceof CuratorError ? e.code : 'not a CuratorError'
  }
  return undefined
}

describe('resolveOptions', () => {
  it('fills defaults', () => {
    const o = resolveOptions({})
    expect(o).toMatchObject({
      case: 'normal',
      rows: 256,
      cols: 256,
      slices: 100,
      pixelSpacing: [1.4, 1.4],
      sliceSpacing: 3,
      sliceThickness: 3,
    })
    expect(o.bodyWidthMm).toBeCloseTo(Math.min(340, 0.8 * 256 * 1.4))
    expect(o).toMatchObject({
      storage: 'int16',
      rescaleSlope: 1,
      rescaleIntercept: -1024,
      fovPadding: true,
      fileNaming: 'ordered',
    })
  })

  it('turns each case into its anatomy knobs, and explicit knobs win', () => {
    const knobs = (c: (typeof PHANTOM_CASES)[number]) => {
      const o = resolveOptions({ case: c })
      return {
        tray: o.tray,
        pacemaker: o.pacemaker,
        tracheostomy: o.tracheostomy,
        collapsedLung: o.collapsedLung,
        nodules: o.nodules,
      }
    }
    const none = { tray: false, pacemaker: false, tracheostomy: false, collapsedLung: 'none', nodules: 0 }
    expect(knobs('normal')).toEqual(none)
    expect(knobs('tray')).toEqual({ ...none, tray: true })
    expect(knobs('pacemaker')).toEqual({ ...none, pacemaker: true })
    expect(knobs('tracheostomy')).toEqual({ ...none, tracheostomy: true })
    expect(knobs('one_lung')).toEqual({ ...none, collapsedLung: 'left' })
    expect(knobs('nodules')).toEqual({ ...none, nodules: 4 })
    expect(resolveOptions({ case: 'tray', tray: false, pacemaker: true })).toMatchObject({
      tray: false,
      pacemaker: true,
    })
  })

  it('abdomen: a fifth of the scanned range below the lungs, a 3 mm diaphragm; at most half the range', () => {
    expect(resolveOptions({ case: 'abdomen', slices: 61, sliceSpacing: 5 })).toMatchObject({ abdomenMm: 60, diaphragmMm: 3 })
    expect(resolveOptions({ case: 'normal' }).abdomenMm).toBe(0)
    expect(resolveOptions({ case: 'normal', abdomenMm: 40 }).abdomenMm).toBe(40)
    expect(() => resolveOptions({ slices: 61, sliceSpacing: 5, abdomenMm: 151 })).toThrow(/abdomenMm must be a number in \[0, 150\]/)
    expect(() => resolveOptions({ diaphragmMm: 0 })).toThrow(/diaphragmMm/)
  })

  it('derives demographics from the seed, in valid DICOM form', () => {
    const o = resolveOptions({ seed: 123 })
    expect(o.patientId).toBe('PHANTOM-123')
    expect(o.birthDate).toMatch(/^19[4-7]\d[01]\d[0-3]\d$/)
    expect(o.studyDate).toMatch(/^201[56][01]\d[0-3]\d$/)
    expect(['M', 'F']).toContain(o.patientSex)
    expect(resolveOptions({ seed: 123 })).toEqual(o)
  })

  it('rejects what cannot be written faithfully, with BAD_ARGUMENT', () => {
    expect(code(() => resolveOptions({ rows: 10 }))).toBe('BAD_ARGUMENT')
    expect(code(() => resolveOptions({ case: 'bogus' as never }))).toBe('BAD_ARGUMENT')
    // uint16 cannot hold −1024 HU with intercept −1000 (stored −24).
    expect(code(() => resolveOptions({ storage: 'uint16', rescaleIntercept: -1000 }))).toBe('BAD_ARGUMENT')
    // Slope 0.3 would not round-trip HU exactly.
    expect(code(() => resolveOptions({ rescaleSlope: 0.3 }))).toBe('BAD_ARGUMENT')
    // int16, slope 1/16: 3071 HU would be stored (3071 + 1024) × 16 = 65520 > 32767.
    expect(code(() => resolveOptions({ rescaleSlope: 0.0625 }))).toBe('BAD_ARGUMENT')
    // int16, slope 0.5, intercept 0: −1024 HU is stored −2048, at or below the −2000 padding.
    expect(code(() => resolveOptions({ rescaleSlope: 0.5, rescaleIntercept: 0 }))).toBe('BAD_ARGUMENT')
    expect(code(() => resolveOptions({ truncatedFiles: 100, slices: 100 }))).toBe('BAD_ARGUMENT')
    expect(code(() => resolveOptions({ birthDate: '1990-01-01' }))).toBe('BAD_ARGUMENT')
    expect(code(() => resolveOptions({ patientId: 'a\\b' }))).toBe('BAD_ARGUMENT')
    expect(code(() => resolveOptions({ bodyWidthMm: 1000 }))).toBe('BAD_ARGUMENT')
    expect(code(() => resolveOptions({ rescaleSlope: 0.5, rescaleIntercept: -1024 }))).toBeUndefined()
  })
})
