import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { countBits, countOnes, decodePackedMask, encodePackedMask, packBits, unpackBits } from './packedMask'

describe('packBits / unpackBits', () => {
  it('puts voxel i in bit i % 8 of byte i / 8 (NumPy bitorder little)', () => {
    // 10 voxels: byte 0 holds voxels 0–7 (1,0,0,1,0,0,0,1 → 0b10001001 = 137), byte 1 voxels 8–9 (0,1 → 2).
    const mask = new Uint8Array([1, 0, 0, 1, 0, 0, 0, 1, 0, 1])
    expect([...packBits(mask)]).toEqual([137, 2])
    expect([...unpackBits(new Uint8Array([137, 2]), 10)]).toEqual([...mask])
  })

  it('counts any non-zero voxel as inside and round-trips all-in / all-out bytes', () => {
    const mask = new Uint8Array(8 * 5 + 3)
    mask.fill(1, 8, 16) // one full byte → 255, taken by the fill path on the way back
    mask[20] = 7 // not 0/1: still inside
    mask[42] = 1
    const back = unpackBits(packBits(mask), mask.length)
    expect([...back]).toEqual([...mask].map((v) => (v ? 1 : 0)))
  })

  it('unpacks every byte value the same into an aligned or unaligned output, and counts set voxels', () => {
    // All 256 byte values, then a partial byte; random voxels beside them.
    const n = 256 * 8 + 5
    const mask = new Uint8Array(n)
    for (let b = 0; b < 256; b++) for (let k = 0; k < 8; k++) mask[b * 8 + k] = (b >> k) & 1
    mask[n - 1] = 1
    mask[n - 3] = 1
    const packed = packBits(mask)
    expect([...unpackBits(packed, n)]).toEqual([...mask])
    const unaligned = new Uint8Array(n + 1).subarray(1)
    expect([...unpackBits(packed, n, unaligned)]).toEqual([...mask])
    let set = 0
    for (const v of mask) set += v
    expect(countBits(packed, n)).toBe(set)
    // Bits past n in the last byte are not voxels.
    expect(countBits(new Uint8Array([255, 255]), 10)).toBe(10)
    // Word-at-a-time counting from any alignment equals a voxel-by-voxel count.
    const big = new Uint8Array(100_003)
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) % 97 < 20 ? (i * 40503) & 255 : 0
    const raw = new Uint8Array(big.length + 3)
    for (let shift = 0; shift < 4; shift++) {
      const view = raw.subarray(shift, shift + big.length)
      view.set(big)
      const voxels = big.length * 8 - 5
      let want = 0
      for (let v = 0; v < voxels; v++) want += (big[v >> 3]! >> (v & 7)) & 1
      expect(countBits(view, voxels)).toBe(want)
    }
  })

  it('packs and counts word-aligned, unaligned and odd-length masks the same as voxel by voxel, whatever the non-zero values', () => {
    let x = 12345
    const rnd = (): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) / 16777216
    for (const n of [0, 1, 7, 8, 9, 63, 64, 1000, 4099]) {
      for (const offset of [0, 1, 3, 4]) {
        const backing = new Uint8Array(n + offset + 8)
        const mask = backing.subarray(offset, offset + n)
        // Runs of 0 and 1 (the usual mask), with a few other non-zero values in some.
        for (let i = 0; i < n; i++) mask[i] = rnd() < 0.5 ? (i > 0 ? mask[i - 1]! : 0) : rnd() < 0.5 ? 1 : 0
        if (n > 10 && offset === 3) mask[5] = 255
        if (n > 100 && offset === 0) mask[70] = 2
        const want = new Uint8Array((n + 7) >> 3)
        let ones = 0
        for (let i = 0; i < n; i++) {
          if (!mask[i]) continue
          want[i >> 3]! |= 1 << (i & 7)
          ones++
        }
        expect([...packBits(mask)], `n=${n} offset=${offset}`).toEqual([...want])
        expect(countOnes(mask), `n=${n} offset=${offset}`).toBe(ones)
      }
    }
  })

  it('refuses a packed buffer too short for the voxel count', () => {
    expect(() => unpackBits(new Uint8Array(1), 9)).toThrow(/9/)
  })
})

describe('.bits file', () => {
  it('round-trips a mask with its shape and is much smaller than one byte per voxel', async () => {
    const shape: [number, number, number] = [6, 7, 9]
    const mask = new Uint8Array(6 * 7 * 9)
    for (let i = 0; i < mask.length; i++) mask[i] = (i * 7919) % 13 < 4 ? 1 : 0
    const file = await encodePackedMask(mask, shape)
    const back = await decodePackedMask(file, 'test')
    expect(back.shape).toEqual(shape)
    expect(Buffer.from(back.data).equals(Buffer.from(mask))).toBe(true)
    const big = new Uint8Array(64 * 64 * 64)
    big.fill(1, 10000, 90000)
    expect((await encodePackedMask(big, [64, 64, 64])).byteLength).toBeLessThan(big.length / 100)
  })

  it('reads back in NumPy with the one line the format promises', async () => {
    const shape: [number, number, number] = [3, 5, 7]
    const mask = new Uint8Array(105)
    for (let i = 0; i < mask.length; i++) mask[i] = i % 3 === 0 || i > 90 ? 1 : 0
    const file = await encodePackedMask(mask, shape)
    const py = `
import sys, zlib, struct, numpy as np
raw = sys.stdin.buffer.read()
shape = struct.unpack('<3I', raw[8:20])
m = np.unpackbits(np.frombuffer(zlib.decompress(raw[20:]), np.uint8), bitorder='little')[:int(np.prod(shape))].reshape(shape)
print(list(shape), ''.join(map(str, m.ravel())))
`
    const out = execFileSync('/usr/bin/python3', ['-c', py], { input: file }).toString().trim()
    expect(out).toBe(`[3, 5, 7] ${[...mask].join('')}`)
  })

  it('names the file when the bytes are not a packed mask', async () => {
    await expect(decodePackedMask(new Uint8Array(30), 'run/mask_fill.bits')).rejects.toThrow(/run\/mask_fill.bits/)
  })
})
