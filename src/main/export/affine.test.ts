import { describe, expect, it } from 'vitest'
import { type Mat4, quaternToMat4, resampledAffine } from './affine'

const close = (a: Mat4, b: Mat4, digits = 9): void => {
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(a[r]![c]!).toBeCloseTo(b[r]![c]!, digits)
}

describe('resampledAffine', () => {
  it('places an axial, head-up stack: LPS → RAS flips x and y, origin is the first slice, steps from the corners', () => {
    // 11 slices 10 mm apart, 4 rows × 5 columns, PixelSpacing [row 2, column 3] → out [101, 8, 15].
    const a = resampledAffine(
      { iop: [1, 0, 0, 0, 1, 0], firstIpp: [-100, -120, -50], lastIpp: [-100, -120, 50], shape: [11, 4, 5], spacing: [10, 2, 3] },
      [101, 8, 15],
    )
    const sx = (4 * 3) / 14 // (n_in − 1)·s / (n_out − 1)
    const sy = (3 * 2) / 7
    close(a.sform, [
      [-sx, 0, 0, 100],
      [0, -sy, 0, 120],
      [0, 0, 1, -50],
      [0, 0, 0, 1],
    ])
    expect(a.assumed).toBe(false)
    // diag(−1, −1, 1) is a half turn about z: quaternion (0, 0, 0, 1), right-handed.
    expect(a.qform.qfac).toBe(1)
    expect([a.qform.b, a.qform.c, a.qform.d].map((x) => Math.round(x * 1e9) / 1e9)).toEqual([0, 0, 1])
    close(quaternToMat4(a.qform), a.sform)
  })

  it('keeps a coronal stack left-handed with qfac −1 and the qform equal to the sform', () => {
    // Rows run to the patient's left, columns to the feet; the normal row × col points posterior
    // (+y in LPS) but the slices run anterior (y 10 → −10), against it: a left-handed frame.
    const iop = [1, 0, 0, 0, 0, -1]
    const a = resampledAffine({ iop, firstIpp: [0, 10, 0], lastIpp: [0, -10, 0], shape: [5, 3, 3], spacing: [5, 1, 1] }, [21, 3, 3])
    close(a.sform, [
      [-1, 0, 0, -0],
      [0, 0, 1, -10],
      [0, -1, 0, 0],
      [0, 0, 0, 1],
    ])
    const det =
      a.sform[0]![0]! * (a.sform[1]![1]! * a.sform[2]![2]! - a.sform[1]![2]! * a.sform[2]![1]!) -
      a.sform[0]![1]! * (a.sform[1]![0]! * a.sform[2]![2]! - a.sform[1]![2]! * a.sform[2]![0]!) +
      a.sform[0]![2]! * (a.sform[1]![0]! * a.sform[2]![1]! - a.sform[1]![1]! * a.sform[2]![0]!)
    expect(a.qform.qfac).toBe(-1)
    expect(Math.sign(det)).toBe(-1)
    close(quaternToMat4(a.qform), a.sform)
  })

  it('keeps a gantry tilt as shear in the sform; the qform steps along the normal', () => {
    // 11 slices, each 10 mm up and 1 mm back: the stack leans 5.7° off the slice normal.
    const a = resampledAffine({ iop: [1, 0, 0, 0, 1, 0], firstIpp: [0, 0, 0], lastIpp: [0, 10, 100], shape: [11, 2, 2], spacing: [10, 1, 1] }, [101, 2, 2])
    expect(a.sform[1]![2]).toBeCloseTo(-0.1, 12) // 10 mm over 100 steps, P → A flipped
    expect(a.sform[2]![2]).toBeCloseTo(1, 12)
    expect(a.qform.pixdim[2]).toBeCloseTo(1, 12)
    expect(a.pixdim[2]).toBeCloseTo(Math.hypot(0.1, 1), 12)
  })

  it('says so when orientation or position are missing, and still gives a usable matrix', () => {
    const a = resampledAffine({ iop: null, firstIpp: null, lastIpp: null, shape: [3, 2, 2], spacing: [2, 1, 1] }, [5, 2, 2])
    expect(a.assumed).toBe(true)
    close(a.sform, [
      [-1, 0, 0, 0],
      [0, -1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ])
  })
})
