import { describe, expect, it } from 'vitest'
import { resolveOptions } from './options'
import { encodeSlice, quantizeTable, storageInfo, toStored } from './storage'

describe('storageInfo', () => {
  it('int16: signed 16 bits, −2000 padding', () => {
    const s = storageInfo(resolveOptions({}))
    expect(s).toEqual({ pixelRepresentation: 1, bitsStored: 16, slope: 1, intercept: -1024, padding: -2000 })
  })

  it('uint16: 12 bits when −1024..3071 fits, padding stored 0, 16 bits otherwise', () => {
    expect(storageInfo(resolveOptions({ storage: 'uint16' }))).toEqual({
      pixelRepresentation: 0,
      bitsStored: 12,
      slope: 1,
      intercept: -1024,
      padding: 0,
    })
    // Slope 0.5 doubles the stored range to 0..8190: 13 bits, so BitsStored 16.
    expect(storageInfo(resolveOptions({ storage: 'uint16', rescaleSlope: 0.5 })).bitsStored).toBe(16)
    expect(storageInfo(resolveOptions({ storage: 'uint16', fovPadding: false })).padding).toBeNull()
  })
})

describe('quantizeTable', () => {
  it('is the identity for slope 1 and 0.5, and rounds to even HU for slope 2 within the CT scale', () => {
    const one = quantizeTable(storageInfo(resolveOptions({})))
    expect(one.every((q, n) => q === n - 1024)).toBe(true)
    const half = quantizeTable(storageInfo(resolveOptions({ rescaleSlope: 0.5 })))
    expect(half.every((q, n) => q === n - 1024)).toBe(true)
    const two = quantizeTable(storageInfo(resolveOptions({ rescaleSlope: 2 })))
    expect(two.every((q) => q % 2 === 0 && q >= -1024 && q <= 3071)).toBe(true)
    // 3071 would round up to 3072, off the scale; it must come back down to 3070.
    expect(two[two.length - 1]).toBe(3070)
  })
})

describe('encodeSlice', () => {
  it('maps HU to stored values and pads outside the field of view', () => {
    const hu = Int16Array.from([-1024, -1000, 40, 3071])
    const fov = Uint8Array.from([0, 1, 1, 1])
    const int16 = encodeSlice(hu, fov, storageInfo(resolveOptions({})))
    expect(int16).toBeInstanceOf(Int16Array)
    expect(Array.from(int16)).toEqual([-2000, 24, 1064, 4095])
    const uint16 = encodeSlice(hu, fov, storageInfo(resolveOptions({ storage: 'uint16' })))
    expect(uint16).toBeInstanceOf(Uint16Array)
    expect(Array.from(uint16)).toEqual([0, 24, 1064, 4095])
    const half = encodeSlice(hu, fov, storageInfo(resolveOptions({ rescaleSlope: 0.5 })))
    expect(Array.from(half)).toEqual([-2000, 48, 2128, 8190])
    expect(toStored(40, 2, -1024)).toBe(532)
  })
})
