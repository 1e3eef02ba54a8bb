import { describe, expect, it } from 'vitest'
import { resampleGrid, roundHalfEven } from './resampleGrid'

// Expected numbers are numpy's (Debian numpy 1.24), printed with repr() from the tutorial's code;
// test/oracle/zoom.py `grid` recomputes them in resampleBSpline.scipy.test.ts.

describe('roundHalfEven (np.round)', () => {
  it('sends ties to the even neighbour and everything else to the nearest', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 358.4, 358.6, 3].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 358, 359, 3])
  })
})

describe('resampleGrid, seed mode (the tutorial)', () => {
  it('0.7 mm becomes float32 0.699999988 first: 512 px → 358, spacing reported 1.0011 mm', () => {
    const g = resampleGrid([300, 512, 512], [1.25, 0.7, 0.7], [1, 1, 1], 'seed')
    expect(g.outShape).toEqual([375, 358, 358])
    expect(g.realFactor).toEqual([1.25, 0.69921875, 0.69921875])
    expect(g.tutorialSpacing).toEqual([1, 1.001117301386828, 1.001117301386828])
    expect(g.reportedSpacing).toEqual(g.tutorialSpacing)
  })

  it('the real 8 mm series (0.646484375 mm pixels): 1 mm reported, but the grid is 0.971 mm apart in z', () => {
    const g = resampleGrid([30, 512, 512], [8, 0.646484375, 0.646484375], [1, 1, 1], 'seed')
    expect(g.outShape).toEqual([240, 331, 331])
    expect(g.tutorialSpacing).toEqual([1, 1, 1])
    // Corner alignment: 30 slices span 29·8 mm, sampled by 240 slices 239 gaps apart.
    expect(g.trueSpacing[0]).toBeCloseTo((29 * 8) / 239, 14)
    expect(g.trueSpacing[1]).toBeCloseTo((511 * 0.646484375) / 330, 14)
  })

  it('0.6465 mm pixels: the float32 0.64649999 gives 331.008 → 331 and a spacing of 1.0000242 mm', () => {
    const g = resampleGrid([30, 512, 512], [8, 0.6465, 0.6465], [1, 1, 1], 'seed')
    expect(g.outShape).toEqual([240, 331, 331])
    expect(g.tutorialSpacing).toEqual([1, 1.0000241559077605, 1.0000241559077605])
  })

  it('float32 and half-to-even decide the shape: 5×0.699999988 = 3.4999 → 3, 2.5 → 2, 10.5 → 10', () => {
    const g = resampleGrid([5, 5, 7], [0.7, 0.5, 1.5], [1, 1, 1], 'seed')
    expect(g.outShape).toEqual([3, 2, 10])
    expect(g.tutorialSpacing).toEqual([1.166666646798452, 1.25, 1.05])
  })
})

describe('resampleGrid, robust mode', () => {
  it('uses the float64 spacing (5×0.7 = 3.5 → 4) and reports the true grid spacing', () => {
    const g = resampleGrid([5, 5, 7], [0.7, 0.5, 1.5])
    expect(g.outShape).toEqual([4, 2, 10])
    // (n_in − 1)·s/(n_out − 1): 4·0.7/3, 4·0.5/1, 6·1.5/9
    expect(g.trueSpacing[0]).toBeCloseTo(2.8 / 3, 14)
    expect(g.trueSpacing[1]).toBe(2)
    expect(g.trueSpacing[2]).toBe(1)
    expect(g.reportedSpacing).toEqual(g.trueSpacing)
  })

  it('keeps at least one voxel and falls back to the tutorial spacing on a single-voxel axis', () => {
    const g = resampleGrid([1, 4, 4], [0.4, 1, 1])
    expect(g.outShape).toEqual([1, 4, 4])
    expect(g.trueSpacing[0]).toBeCloseTo(0.4, 15)
  })

  it('honours a coarser target spacing', () => {
    expect(resampleGrid([100, 256, 256], [2.5, 1.4, 1.4], [2, 2, 2]).outShape).toEqual([125, 179, 179])
  })

  it('rejects bad shapes and spacings with BAD_ARGUMENT', () => {
    expect(() => resampleGrid([0, 4, 4], [1, 1, 1])).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }))
    expect(() => resampleGrid([4, 4, 4], [1, 0, 1])).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }))
    expect(() => resampleGrid([4, 4], [1, 1, 1])).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }))
  })
})
