import { describe, expect, it } from 'vitest'
import { casePaths, datasetJson, manifestCsv, type ExportOptions, type ManifestRow } from './documents'
import { HuCounts } from './normalize'

const opts = (o: Partial<ExportOptions> = {}): ExportOptions => ({ include: 'accepted', formats: ['npy', 'nifti'], layout: 'plain', dilateMm: 0, normalized: false, ...o })

const row = (id: string, note: string | null, flags: string[] = []): ManifestRow => ({
  id,
  shape: [2, 3, 4],
  spacing: [1.0000001, 0.9, 0.9],
  maskFraction: 0.123456789,
  lungVolumeMl: 1234.56789,
  flags,
  review: 'accepted',
  reviewNote: note,
  mode: 'robust',
  closingMm: 0,
  seriesHash: 'ab'.repeat(16),
  runVersion: '0.1.0',
  affineAssumed: false,
  files: casePaths(id, opts()),
})

describe('export documents', () => {
  it('lays files out per layout: nnU-Net names its channel and label files, npy stays in cases/', () => {
    expect(casePaths('case_x', opts())).toEqual({
      ct: 'cases/case_x/ct.npy',
      lung: 'cases/case_x/lung.npy',
      ctNifti: 'cases/case_x/ct.nii.gz',
      lungNifti: 'cases/case_x/lung.nii.gz',
    })
    expect(casePaths('case_x', opts({ layout: 'nnunet', formats: ['nifti'], normalized: true }))).toEqual({
      ctNifti: 'imagesTr/case_x_0000.nii.gz',
      lungNifti: 'labelsTr/case_x.nii.gz',
      ctNorm: 'cases/case_x/ct_norm.npy',
    })
  })

  it('quotes CSV fields that hold commas, quotes or newlines (a reviewer note can)', () => {
    const csv = manifestCsv([row('case_a', 'ok, but "streaky"\nsecond line', ['metal', 'tiny_mask']), row('case_b', null)])
    const lines = csv.split('\n')
    expect(lines[0]).toMatch(/^id,shape_z,shape_y,shape_x,spacing_z/)
    expect(csv).toContain('"ok, but ""streaky""\nsecond line"')
    expect(csv).toContain(',metal;tiny_mask,')
    expect(csv).toContain(',1,0.9,0.9,0.123457,1234.568,') // rounded, no float noise
    expect(csv.endsWith('\n')).toBe(true)
  })

  it("merges nnU-Net's required fields into dataset.json only for that layout", () => {
    const counts = new HuCounts()
    counts.add(Int16Array.of(-1000, 400))
    const stats = { rows: [row('case_a', null, ['metal'])], counts, pixelMean: counts.normalizedMean() }
    const plain = JSON.parse(datasetJson(stats, opts(), '1.0')) as Record<string, unknown>
    expect(plain.channel_names).toBeUndefined()
    expect(plain).toMatchObject({ numCases: 1, flagCounts: { metal: 1 }, reviewCounts: { accepted: 1 }, normalization: { minHu: -1000, maxHu: 400, pixelMean: 0.5 } })
    const nn = JSON.parse(datasetJson(stats, opts({ layout: 'nnunet' }), '1.0')) as Record<string, unknown>
    expect(nn).toMatchObject({ channel_names: { '0': 'CT' }, labels: { background: 0, lung: 1 }, numTraining: 1, file_ending: '.nii.gz' })
  })
})
