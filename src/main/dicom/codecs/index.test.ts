import { describe, expect, it } from 'vitest'
import { SUPPORTED_TRANSFER_SYNTAXES, getDecoder, isEncapsulated, transferSyntaxName } from '.'

describe('decoder registry', () => {
  it('has a decoder for every listed syntax, and none for others', () => {
    // The brief's list: native, deflate, big endian, RLE, JPEG 1/2-4/14/SV1, JPEG-LS, J2K, HTJ2K.
    const uids = Object.keys(SUPPORTED_TRANSFER_SYNTAXES)
    expect(uids).toHaveLength(16)
    for (const uid of uids) expect(getDecoder(uid)?.name, uid).toBeTruthy()
    expect(getDecoder('1.2.840.10008.1.2.4.100')).toBeUndefined()
    expect(transferSyntaxName('1.2.840.10008.1.2.4.100')).toMatch(/MPEG2/)
    expect(transferSyntaxName('1.2.3')).toBe('unknown transfer syntax')
  })

  it('tolerates the padding a UI value may carry', () => {
    expect(getDecoder('1.2.840.10008.1.2.4.70 ')).toBe(getDecoder('1.2.840.10008.1.2.4.70'))
  })

  it('knows which syntaxes are encapsulated', () => {
    expect(isEncapsulated('1.2.840.10008.1.2')).toBe(false)
    expect(isEncapsulated('1.2.840.10008.1.2.1.99')).toBe(false)
    expect(isEncapsulated('1.2.840.10008.1.2.2')).toBe(false)
    expect(isEncapsulated('1.2.840.10008.1.2.5')).toBe(true)
    expect(isEncapsulated('1.2.840.10008.1.2.4.201')).toBe(true)
  })

  it('initialises every codec lazily and idempotently', async () => {
    for (const uid of Object.keys(SUPPORTED_TRANSFER_SYNTAXES)) {
      const d = getDecoder(uid)!
      await d.initialize()
      await d.initialize()
    }
  })
})
