import { describe, expect, it } from 'vitest'
import { groupAndChoose } from './series'
import type { HeaderRecord } from './types'

let sop = 0
function h(path: string, over: Partial<HeaderRecord> = {}): HeaderRecord {
  sop++
  return {
    path, size: 1000, mtimeMs: 1, transferSyntaxUid: '1.2.840.10008.1.2.1', sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    sopInstanceUid: `9.${sop}`, studyUid: '1.1', seriesUid: '1.1.1', patientId: 'P1', patientName: '', modality: 'CT',
    imageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'], seriesDescription: '', seriesNumber: 1, manufacturer: '', kernel: '',
    acquisitionDate: '', rows: 64, columns: 64, frames: 1, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 1,
    samplesPerPixel: 1, photometric: 'MONOCHROME2', ipp: [0, 0, 0], iop: [1, 0, 0, 0, 1, 0], pixelSpacing: [0.7, 0.7],
    sliceThickness: 2.5, spacingBetweenSlices: null, sliceLocation: 0, instanceNumber: 1, rescaleSlope: 1,
    rescaleIntercept: -1024, pixelPaddingValue: null, pixelPaddingRangeLimit: null, gantryTilt: null,
    ...over,
  }
}
const series = (prefix: string, n: number, over: Partial<HeaderRecord> = {}): HeaderRecord[] =>
  Array.from({ length: n }, (_, i) => h(`${prefix}/${String(i).padStart(3, '0')}.dcm`, { ipp: [0, 0, i * 2.5], ...over }))

describe('groupAndChoose', () => {
  it('chooses the axial CT volume over a scout, a secondary capture, a derived reformat and an MR', () => {
    const r = groupAndChoose([
      ...series('P1/scout', 2, { seriesUid: 's', imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] }),
      ...series('P1/sc', 1, { seriesUid: 'sc', sopClassUid: '1.2.840.10008.5.1.4.1.1.7' }),
      ...series('P1/mpr', 200, { seriesUid: 'mpr', imageType: ['DERIVED', 'SECONDARY', 'REFORMATTED'] }),
      ...series('P1/mr', 300, { seriesUid: 'mr', modality: 'MR' }),
      ...series('P1/ax', 120, { seriesUid: 'ax' }),
      ...series('P1/ax-thin', 100, { seriesUid: 'ax2' }),
    ])
    const chosen = r.series.filter((s) => s.chosen)
    expect(chosen.map((s) => s.seriesUid)).toEqual(['ax'])
    expect(chosen[0]!.choiceReason).toMatch(/best of 6 series/)
    const reason = (uid: string): string => r.series.find((s) => s.seriesUid === uid)!.choiceReason
    expect(reason('s')).toMatch(/localizer/)
    expect(reason('sc')).toMatch(/secondary capture/)
    expect(reason('mr')).toMatch(/not CT/)
    expect(reason('mpr')).toMatch(/not chosen.*derived/)
  })

  it('keeps a lone single image (few_slices comes from geometry), but not when a volume exists', () => {
    expect(groupAndChoose(series('A', 1)).series[0]!.chosen).toBe(true)
    const r = groupAndChoose([...series('A/one', 1, { seriesUid: 'one' }), ...series('A/vol', 50, { seriesUid: 'vol' })])
    expect(r.series.find((s) => s.chosen)!.seriesUid).toBe('vol')
  })

  it('splits two series mixed in one folder and chooses one per patient', () => {
    const mixed = [...series('P1', 30, { seriesUid: 'a' }), ...series('P1', 60, { seriesUid: 'b' }).map((x) => ({ ...x, path: x.path.replace('.dcm', 'b.dcm') }))]
    const r = groupAndChoose(mixed)
    expect(r.series).toHaveLength(2)
    expect(r.series.filter((s) => s.chosen).map((s) => s.seriesUid)).toEqual(['b'])
    expect(r.series.every((s) => s.folder === 'P1')).toBe(true)
  })

  it('one choice per patient folder, even when anonymisation gave everyone the same PatientID', () => {
    const r = groupAndChoose([...series('A', 40, { seriesUid: 'x', patientId: 'ANON' }), ...series('B', 40, { seriesUid: 'y', patientId: 'ANON' })])
    expect(r.series.filter((s) => s.chosen)).toHaveLength(2)
  })

  it('skips duplicate SOP instances once, keeping the first path', () => {
    const a = series('P1', 3)
    const dup = { ...a[1]!, path: 'P1/copy.dcm' }
    const r = groupAndChoose([...a, dup])
    expect(r.skipped).toEqual([{ path: 'P1/copy.dcm', code: 'DUPLICATE_SOP_INSTANCE', message: expect.stringContaining('P1/001.dcm') }])
    expect(r.series[0]!.files).toHaveLength(3)
  })

  it('honours a person’s override', () => {
    const hs = [...series('P1/a', 10, { seriesUid: 'a' }), ...series('P1/b', 50, { seriesUid: 'b' })]
    const key = groupAndChoose(hs).series[0]!.patientKey
    const r = groupAndChoose(hs, 'robust', new Map([[key, 'a']]))
    expect(r.series.find((s) => s.chosen)!.seriesUid).toBe('a')
  })

  it('lists files in slice order', () => {
    const hs = series('P', 5).reverse()
    expect(groupAndChoose(hs).series[0]!.files).toEqual(['P/000.dcm', 'P/001.dcm', 'P/002.dcm', 'P/003.dcm', 'P/004.dcm'])
  })
})
