import { describe, expect, it } from 'vitest'
import { CODE_MIN_HU, CODE_STEP_HU, encodeHuCodes, huToCode } from './huCodes'

describe('8-bit HU codes of the 3D view', () => {
  it('maps −1024 HU to 0 and each 16 HU to one code, clamped at both ends', () => {
    expect(huToCode(-1024)).toBe(0)
    expect(huToCode(-1000)).toBe(1.5)
    expect(huToCode(3056)).toBe(255)
    expect(huToCode(-3000)).toBe(0)
    expect(huToCode(30000)).toBe(255)
  })

  it('encodes every int16 value to the nearest code, within half a step, and reports the range', () => {
    const hu = new Int16Array(65536)
    for (let i = 0; i < hu.length; i++) hu[i] = i - 32768
    const { codes, min, max } = encodeHuCodes(hu)
    expect([min, max]).toEqual([0, 255])
    for (let i = 0; i < hu.length; i++) {
      const v = hu[i]!
      if (v < CODE_MIN_HU || v > CODE_MIN_HU + 255 * CODE_STEP_HU) continue
      expect(Math.abs(CODE_MIN_HU + codes[i]! * CODE_STEP_HU - v)).toBeLessThanOrEqual(CODE_STEP_HU / 2)
    }
    const lung = encodeHuCodes(Int16Array.from([-850, -700, 40]))
    expect([...lung.codes]).toEqual([11, 20, 67]) // 66.5 rounds up
    expect([lung.min, lung.max]).toEqual([11, 67])
  })
})
