import { describe, expect, it } from 'vitest'
import { HuCounts, normalizeHu, normalizeVolume } from './normalize'

describe('normalize for export', () => {
  it('maps [−1000, 400] HU to [0, 1] and clips outside, as the tutorial does', () => {
    expect(normalizeHu(-1000)).toBe(0)
    expect(normalizeHu(-3024)).toBe(0)
    expect(normalizeHu(400)).toBe(1)
    expect(normalizeHu(3000)).toBe(1)
    expect(normalizeHu(-300)).toBeCloseTo(0.5, 12) // 700 / 1400
  })

  it('computes the mean of the normalised voxels exactly from the counts', () => {
    // Two volumes: air (0), soft tissue at −300 (0.5), bone at 1000 (1, clipped).
    const a = Int16Array.of(-1000, -1000, -300)
    const b = Int16Array.of(1000)
    const c = new HuCounts()
    c.add(a)
    c.add(b)
    expect(c.total).toBe(4)
    expect(c.normalizedMean()).toBeCloseTo((0 + 0 + 0.5 + 1) / 4, 15)
  })

  it('zero-centres with the given mean, float32, same values as the float64 expression', () => {
    const hu = Int16Array.of(-2000, -1000, -999, -300, 0, 399, 400, 1500)
    const mean = 0.3
    const out = normalizeVolume(hu, mean)
    for (let i = 0; i < hu.length; i++) expect(out[i]).toBe(Math.fround(normalizeHu(hu[i]!) - mean))
  })

  it('bins the counts with what falls outside the range kept apart', () => {
    const c = new HuCounts()
    c.add(Int16Array.of(-1100, -1000, -999, -991, -990, 2999, 3000))
    const h = c.binned(-1000, 3000, 10)
    expect(h.below).toBe(1)
    expect(h.above).toBe(1)
    expect(h.counts[0]).toBe(3) // −1000, −999, −991
    expect(h.counts[1]).toBe(1) // −990
    expect(h.counts.at(-1)).toBe(1) // 2999
    expect(h.edges).toHaveLength(401)
  })
})

describe('HuCounts.addYielding', () => {
  it('counts the same as add, across slab boundaries', async () => {
    const v = Int16Array.from({ length: 1001 }, (_, i) => (i * 37) % 3000 - 1500)
    const a = new HuCounts()
    a.add(v)
    const b = new HuCounts()
    await b.addYielding(v, 64)
    expect(b.total).toBe(a.total)
    expect(b.counts).toEqual(a.counts)
  })
})
