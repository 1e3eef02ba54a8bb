import { describe, expect, it } from 'vitest'
import { HuTable, LOSSY_PADDING_TOLERANCE, type RobustHuParams, robustSliceHu, seedSliceHu, type StoredSlice } from './hu'

describe('seedSliceHu (the tutorial, including its int16 quirks)', () => {
  it('zeroes raw -2000 before adding the intercept, so outside-FOV becomes the intercept', () => {
    const out = new Int16Array(3)
    seedSliceHu(Int16Array.from([-2000, 0, 1024]), out, 1, -1024)
    expect([...out]).toEqual([-1024, -1024, 0])
  })

  it('wraps uint16 storage through astype(int16): 65535 is -1, 40000 is -25536', () => {
    const out = new Int16Array(2)
    seedSliceHu(Uint16Array.from([65535, 40000]), out, 1, 0)
    expect([...out]).toEqual([-1, -25536])
  })

  it('truncates slope·v toward zero (numpy float→int16 cast) and the intercept too', () => {
    const out = new Int16Array(3)
    // 0.5·(-3) = -1.5 → -1 ; 0.5·3 = 1.5 → 1 ; intercept -1024.7 → np.int16 → -1024
    seedSliceHu(Int16Array.from([-3, 3, 7]), out, 0.5, -1024.7)
    expect([...out]).toEqual([-1025, -1023, -1021])
  })

  it('overflows like int16 addition: 32767 + 1 = -32768', () => {
    const out = new Int16Array(1)
    seedSliceHu(Int16Array.from([32767]), out, 1, 1)
    expect(out[0]).toBe(-32768)
  })
})

describe('robustSliceHu', () => {
  const base = { slope: 1, intercept: -1024, paddingValue: null, paddingLimit: null }

  it('computes in floating point, rounds half away from zero, clamps once', () => {
    const out = new Int16Array(4)
    robustSliceHu(Uint16Array.from([3, 65535, 0, 1]), out, { ...base, slope: 0.5, intercept: 0 })
    // 1.5 → 2 ; 32767.5 → 32768 → clamped 32767 ; 0 ; 0.5 → 1
    expect([...out]).toEqual([2, 32767, 0, 1])
    robustSliceHu(Int16Array.from([-3, -1, 0, 0]), out, { ...base, slope: 0.5, intercept: 0 })
    expect([...out]).toEqual([-2, -1, 0, 0]) // -1.5 → -2, -0.5 → -1
  })

  it('keeps uint16 values above 32767 (no wrap): 40000 with intercept -32768 is 7232', () => {
    const out = new Int16Array(1)
    robustSliceHu(Uint16Array.from([40000]), out, { ...base, intercept: -32768 })
    expect(out[0]).toBe(7232)
  })

  it('turns padding (value or range) and raw -2000 into air instead of tissue', () => {
    const out = new Int16Array(5)
    // Intercept +1000 puts the padding range at −500…−550 HU, above air: only the exact range is padding.
    robustSliceHu(Int16Array.from([-2000, -1500, 0, -1600, -1400]), out, {
      ...base,
      intercept: 1000,
      paddingValue: -1500,
      paddingLimit: -1550,
    })
    expect([...out]).toEqual([-1000, -1000, 1000, -600, -400])
  })

  it('makes every HU below −1024 air: nothing physical is less dense than air', () => {
    const out = new Int16Array(4)
    robustSliceHu(Int16Array.from([-3024, -1025, -1024, -1000]), out, { ...base, intercept: 0 })
    expect([...out]).toEqual([-1000, -1000, -1024, -1000])
  })

  it('lossy: padding smeared by the codec (−2000 ± a few) is still padding, not tissue', () => {
    // Stored −1990 with intercept +1100 would be −890 HU (lung-like) if only −2000 counted.
    const smeared = Int16Array.from([-2010, -1990, -1950, -100])
    const exact = new Int16Array(4)
    robustSliceHu(smeared, exact, { ...base, intercept: 1100 })
    expect([...exact]).toEqual([-910, -890, -850, 1000])
    const lossy = new Int16Array(4)
    robustSliceHu(smeared, lossy, { ...base, intercept: 1100, paddingTolerance: 64 })
    expect([...lossy]).toEqual([-1000, -1000, -1000, 1000])
  })

  it('lossy: everything at or below a below-air PixelPaddingValue + tolerance is padding', () => {
    const out = new Int16Array(4)
    // uint16 storage, padding 0, intercept −1024: stored 30 (−994 HU) is padding smeared upwards.
    robustSliceHu(Uint16Array.from([0, 30, 64, 200]), out, { ...base, paddingValue: 0, paddingTolerance: 64 })
    expect([...out]).toEqual([-1000, -1000, -1000, -824])
  })

  it('a padding value at the top of the range is matched exactly, never "at or below"', () => {
    const out = new Int16Array(3)
    robustSliceHu(Uint16Array.from([65535, 1000, 0]), out, { ...base, paddingValue: 65535, paddingTolerance: 64 })
    expect([...out]).toEqual([-1000, -24, -1024])
  })
})

describe('HuTable', () => {
  // Values across the whole range of each storage type, with the special ones in it.
  function slice(kind: 's' | 'u' | 'b', n: number, seed: number): StoredSlice {
    const a = kind === 's' ? new Int16Array(n) : kind === 'u' ? new Uint16Array(n) : new Uint8Array(n)
    let x = seed
    for (let i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) >>> 0
      a[i] = x >>> 8
    }
    a[0] = -2000
    a[1] = 0
    a[2] = 65535
    return a
  }
  const params: RobustHuParams[] = [
    { slope: 1, intercept: -1024, paddingValue: null, paddingLimit: null },
    { slope: 1, intercept: 0, paddingValue: -2000, paddingLimit: null, paddingTolerance: LOSSY_PADDING_TOLERANCE },
    { slope: 0.5, intercept: -1024.5, paddingValue: 0, paddingLimit: 30, outsideHu: -1024 },
    { slope: 2.5, intercept: 17.7, paddingValue: 63536, paddingLimit: null },
  ]

  it('converts exactly as seedSliceHu/robustSliceHu, with the range, for every storage type and parameter set', () => {
    for (const kind of ['s', 'u', 'b'] as const) {
      for (const mode of ['seed', 'robust'] as const) {
        const table = new HuTable()
        let lo = 32767
        let hi = -32768
        for (const [k, p] of [...params, params[0]!].entries()) {
          // Sizes below and above the table's own cost (both ways are taken), odd ones (the
          // word loop's tail) and views at an odd offset (no word loop).
          for (const [n, offset] of [[1000, 0], [70000, 0], [70001, 0], [70000, 1]] as const) {
            const stored = slice(kind, n + offset, 7 + k * 31 + n).subarray(offset)
            const want = new Int16Array(n)
            if (mode === 'seed') seedSliceHu(stored, want, p.slope, p.intercept)
            else robustSliceHu(stored, want, p)
            // In place, as the loader does: `out` views the stored bytes when they are int16.
            const out = stored instanceof Int16Array ? stored : new Int16Array(n)
            table.convert(stored, out, mode, p)
            expect(out.findIndex((v, i) => v !== want[i])).toBe(-1)
            lo = Math.min(lo, want.reduce((a, b) => Math.min(a, b)))
            hi = Math.max(hi, want.reduce((a, b) => Math.max(a, b)))
            // Read now and then: the range goes on accumulating afterwards.
            if (n === 70001) expect(table.range()).toEqual([lo, hi])
          }
        }
        expect(table.range()).toEqual([lo, hi])
      }
    }
  })

  it('has an empty range before anything is converted, and a constant slice sets both ends', () => {
    expect(new HuTable().range()).toEqual([32767, -32768])
    const t = new HuTable()
    t.convert(new Int16Array(70000).fill(40), new Int16Array(70000), 'robust', params[0]!)
    expect(t.range()).toEqual([40 - 1024, 40 - 1024])
    t.convert(new Int16Array(70000).fill(2000), new Int16Array(70000), 'robust', params[0]!)
    expect(t.range()).toEqual([40 - 1024, 2000 - 1024])
  })
})
