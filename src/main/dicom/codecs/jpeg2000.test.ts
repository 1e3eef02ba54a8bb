import { describe, expect, it } from 'vitest'
import { CuratorError } from '../../../shared/errors'
import { j2kCanvas, jpeg2000 } from './jpeg2000'
import type { FrameInfo } from './types'

/** SOC + a SIZ segment for one component (the rest of a codestream is not needed to read it). */
function siz(x: number, y: number, xo = 0, yo = 0, components = 1): Uint8Array {
  const b = new Uint8Array(4 + 38 + 3 * components)
  const dv = new DataView(b.buffer)
  b.set([0xff, 0x4f, 0xff, 0x51])
  dv.setUint16(4, 38 + 3 * components)
  dv.setUint32(8, x)
  dv.setUint32(12, y)
  dv.setUint32(16, xo)
  dv.setUint32(20, yo)
  dv.setUint32(24, 64) // tile size
  dv.setUint32(28, 64)
  dv.setUint16(40, components)
  return b
}

const info: FrameInfo = {
  rows: 64,
  columns: 64,
  bitsAllocated: 16,
  bitsStored: 16,
  highBit: 15,
  pixelRepresentation: 1,
  samplesPerPixel: 1,
  photometricInterpretation: 'MONOCHROME2',
}

describe('j2kCanvas', () => {
  it('reads the image size from SIZ (canvas minus offset)', () => {
    expect(j2kCanvas(siz(64, 64))).toEqual({ width: 64, height: 64, components: 1 })
    expect(j2kCanvas(siz(100, 90, 36, 26))).toEqual({ width: 64, height: 64, components: 1 })
    expect(j2kCanvas(new Uint8Array(64))).toBeNull() // no SOC: the decoder decides
  })

  it('a codestream claiming 2,097,216 columns is refused before OpenJPEG allocates for it', async () => {
    // One bit flipped in Xsiz of a 64×64 slice made OpenJPEG take ~1 GB and 8 s.
    const err = await jpeg2000.decode(siz(2_097_216, 64), info).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CuratorError)
    expect((err as CuratorError).code).toBe('DICOM_BAD_HEADER')
    expect((err as CuratorError).message).toMatch(/2097216×64/)
  })
})
