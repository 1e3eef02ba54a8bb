import { describe, expect, it } from 'vitest'
import { CuratorError } from '../../shared/errors'
import { assertPlausibleGeometry, computeGeometry, type SliceGeom } from './geometry'

const AXIAL: [number, number, number, number, number, number] = [1, 0, 0, 0, 1, 0]

/** A stack of axial slices at the given z positions (listed in file order). */
function stack(zs: number[], extra: Partial<SliceGeom> = {}): SliceGeom[] {
  return zs.map((z, i) => ({
    ipp: [-100, -100, z],
    iop: AXIAL,
    sliceLocation: z,
    instanceNumber: i + 1,
    rows: 64,
    columns: 64,
    pixelSpacing: [0.7, 0.7],
    sliceThickness: 2.5,
    spacingBetweenSlices: null,
    gantryTilt: null,
    ...extra,
  }))
}
const codes = (g: { flags: { code: string }[] }): string[] => g.flags.map((f) => f.code).sort()
const zs = (n: number, dz: number, z0 = 0): number[] => Array.from({ length: n }, (_, i) => z0 + i * dz)

describe('computeGeometry', () => {
  it('sorts by position along the normal and takes the median gap; a clean chest stack has no flags', () => {
    const positions = zs(80, 2.5, -300).reverse() // files listed head first
    const g = computeGeometry(stack(positions))
    expect(g.order[0]).toBe(79) // lowest z first
    expect(g.spacing).toEqual([2.5, 0.7, 0.7])
    expect(g.shape).toEqual([80, 64, 64])
    expect(g.flags).toEqual([])
    expect(g.orientation).toBe('axial')
  })

  it('flags a missing slice as slice_gap and variable_spacing, with numbers', () => {
    const p = zs(80, 2.5).filter((_, i) => i !== 40) // one slice missing → one 5 mm gap
    const g = computeGeometry(stack(p))
    const gap = g.flags.find((f) => f.code === 'slice_gap')!
    expect(gap.value).toBe(5)
    expect(gap.threshold).toBe(3.75)
    expect(gap.message).toMatch(/1 slice/)
    expect(codes(g)).toEqual(['slice_gap', 'variable_spacing'])
  })

  it('flags duplicates, few slices, thick slices and short coverage', () => {
    expect(codes(computeGeometry(stack([0, 2.5, 2.5, 5, ...zs(70, 2.5, 7.5)])))).toContain('duplicate_positions')
    expect(codes(computeGeometry(stack(zs(16, 2.5))))).toEqual(['few_slices', 'incomplete_coverage'])
    expect(codes(computeGeometry(stack(zs(40, 8), { sliceThickness: 8 })))).toEqual(['thick_slices'])
    // 2.5 mm slices every 8 mm leave gaps between them: the header disagrees with the positions.
    expect(codes(computeGeometry(stack(zs(40, 8))))).toEqual(['spacing_mismatch', 'thick_slices'])
  })

  it('detects a sheared stack (gantry tilt) from positions and from the header', () => {
    // Each slice shifted 0.5 mm in y per 2.5 mm in z: atan(0.5/2.5) ≈ 11.3°
    const s = stack(zs(80, 2.5)).map((x, i) => ({ ...x, ipp: [-100, -100 + 0.5 * i, i * 2.5] as [number, number, number] }))
    const tilt = computeGeometry(s).flags.find((f) => f.code === 'tilt')!
    expect(tilt.value).toBeCloseTo(11.31, 1)
    expect(codes(computeGeometry(stack(zs(80, 2.5), { gantryTilt: 18.5 })))).toEqual(['tilt'])
  })

  it('flags non-axial and mixed orientations', () => {
    const coronal = stack(zs(80, 2.5)).map((x, i) => ({ ...x, iop: [1, 0, 0, 0, 0, -1] as typeof AXIAL, ipp: [0, i * 2.5, 0] as [number, number, number] }))
    const g = computeGeometry(coronal)
    expect(g.orientation).toBe('coronal')
    expect(codes(g)).toContain('non_axial')
    const mixed = stack(zs(80, 2.5))
    mixed[3] = { ...mixed[3]!, iop: [1, 0, 0, 0, 0.9, 0.43589] }
    expect(codes(computeGeometry(mixed))).toContain('mixed_orientation')
  })

  it('compares header spacing with measured spacing', () => {
    expect(codes(computeGeometry(stack(zs(80, 2.5), { spacingBetweenSlices: 5 })))).toEqual(['spacing_mismatch'])
    // Overlapping reconstruction (thickness 2× spacing) is normal: no flag at the 50 % limit.
    expect(codes(computeGeometry(stack(zs(120, 1.25), { sliceThickness: 2.5 })))).toEqual([])
  })

  it('seed mode: IPP[2] order, thickness from the first two slices even when later gaps differ', () => {
    const p = [0, 3, 5.5, 8, 10.5, ...zs(60, 2.5, 13)]
    const g = computeGeometry(stack(p), 'seed')
    expect(g.spacing[0]).toBe(3)
    const r = computeGeometry(stack(p), 'robust')
    expect(r.spacing[0]).toBe(2.5)
  })

  it('falls back to SliceLocation without positions, and says so', () => {
    const s = stack([5, 0, 2.5]).map((x) => ({ ...x, ipp: null }))
    const g = computeGeometry(s, 'seed')
    expect(g.order).toEqual([1, 2, 0])
    expect(g.spacing[0]).toBe(2.5)
    expect(g.flags.find((f) => f.code === 'missing_position')!.message).toMatch(/SliceLocation/)
  })

  it('one slice: spacing from the header, flagged few_slices, no crash', () => {
    const g = computeGeometry(stack([0]))
    expect(g.spacing[0]).toBe(2.5)
    expect(codes(g)).toEqual(['few_slices', 'incomplete_coverage'])
  })
})

describe('orientation and compression flags', () => {
  it('an all-zero (or non-perpendicular) ImageOrientationPatient is flagged invalid_orientation', () => {
    expect(codes(computeGeometry(stack(zs(40, 2.5), { iop: [0, 0, 0, 0, 0, 0] })))).toContain('invalid_orientation')
    expect(codes(computeGeometry(stack(zs(40, 2.5), { iop: [1, 0, 0, 1, 0, 0] })))).toContain('invalid_orientation')
    expect(codes(computeGeometry(stack(zs(40, 2.5))))).not.toContain('invalid_orientation')
  })

  it('lossy_compression carries the transfer syntax; lossless syntaxes and no syntax stay silent', () => {
    const lossy = computeGeometry(stack(zs(80, 2.5), { transferSyntaxUid: '1.2.840.10008.1.2.4.91' }))
    expect(lossy.flags.find((f) => f.code === 'lossy_compression')?.value).toBe('1.2.840.10008.1.2.4.91')
    expect(codes(computeGeometry(stack(zs(80, 2.5), { transferSyntaxUid: '1.2.840.10008.1.2.4.90' })))).not.toContain('lossy_compression')
    // Decompressed from a lossy stream before it was stored natively.
    const was = computeGeometry(stack(zs(80, 2.5), { transferSyntaxUid: '1.2.840.10008.1.2.1', lossyImageCompression: true }))
    expect(was.flags.find((f) => f.code === 'lossy_compression')?.message).toMatch(/LossyImageCompression 01/)
  })
})

describe('assertPlausibleGeometry', () => {
  const fails = (g: Parameters<typeof assertPlausibleGeometry>[0]): string => {
    try {
      assertPlausibleGeometry(g)
    } catch (e) {
      expect(e).toBeInstanceOf(CuratorError)
      expect((e as CuratorError).code).toBe('IMPLAUSIBLE_GEOMETRY')
      return (e as CuratorError).message
    }
    return ''
  }
  it('accepts real chest CTs, thin and thick', () => {
    expect(fails({ spacing: [0.625, 0.7, 0.7], shape: [600, 512, 512] })).toBe('')
    expect(fails({ spacing: [8, 0.6465, 0.6465], shape: [30, 512, 512] })).toBe('')
  })
  it('names the value: 1e4 mm pixels, 1e5 mm slice gaps, zero or NaN spacing', () => {
    expect(fails({ spacing: [2.5, 1e4, 1e4], shape: [80, 512, 512] })).toMatch(/PixelSpacing\[0\]\) is 10000 mm/)
    expect(fails({ spacing: [1e5, 0.7, 0.7], shape: [80, 512, 512] })).toMatch(/slice spacing \(z\) is 100000 mm/)
    expect(fails({ spacing: [0, 0.7, 0.7], shape: [80, 512, 512] })).toMatch(/is 0 mm/)
    expect(fails({ spacing: [2.5, NaN, 0.7], shape: [80, 512, 512] })).toMatch(/is NaN mm/)
  })
  it('refuses an extent or a 1 mm volume no scanner makes (each spacing alone plausible)', () => {
    // 5,000 slices 1 mm apart: 5 m of patient.
    expect(fails({ spacing: [1, 0.7, 0.7], shape: [5000, 512, 512] })).toMatch(/5000 mm long along z/)
    // 2048² pixels of 1.4 mm, 1,000 slices 1 mm apart: each axis under 3 m, but 8.2e9 voxels (16 GB).
    expect(fails({ spacing: [1, 1.4, 1.4], shape: [1000, 2048, 2048] })).toMatch(/1 mm volume would be 1000×2867×2867 = 8219689000 voxels/)
  })
})
