import { describe, expect, it } from 'vitest'
import { IMPLEMENTATION_CLASS_UID, UidSource, isValidUid } from './uid'

describe('UidSource', () => {
  it('makes valid, distinct, reproducible 2.25 UIDs', () => {
    const a = new UidSource('patient-1')
    const uids = Array.from({ length: 2000 }, () => a.next())
    expect(uids.every(isValidUid)).toBe(true)
    expect(uids.every((u) => u.startsWith('2.25.') && u.length <= 44)).toBe(true)
    expect(new Set(uids).size).toBe(uids.length)
    const b = new UidSource('patient-1')
    expect(b.next()).toBe(uids[0])
    expect(new UidSource('patient-2').next()).not.toBe(uids[0])
    expect(isValidUid(IMPLEMENTATION_CLASS_UID)).toBe(true)
  })

  it('rejects malformed UIDs', () => {
    expect(isValidUid('1.2.03')).toBe(false) // leading zero in a component
    expect(isValidUid('1..2')).toBe(false)
    expect(isValidUid(`2.25.${'1'.repeat(61)}`)).toBe(false) // 66 characters
    expect(isValidUid('1.2.0.3')).toBe(true)
  })
})
