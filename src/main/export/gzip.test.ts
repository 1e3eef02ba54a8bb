import { execFileSync } from 'node:child_process'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { uniform } from '../phantom/prng'
import { gzipParallel } from './gzip'

const concat = (chunks: Uint8Array[]): Buffer => Buffer.concat(chunks)

/** Something that compresses like a CT: smooth values plus noise in the low bits. */
function ctLike(n: number, seed: number): Uint8Array {
  const rnd = uniform(seed)
  const v = new Int16Array(n)
  for (let i = 0; i < n; i++) v[i] = Math.round(400 * Math.sin(i / 500) - 600 + 20 * rnd())
  return new Uint8Array(v.buffer)
}

describe('gzipParallel', () => {
  it('is one gzip member that zlib and the gzip tool both read back exactly, across slab and part boundaries', async () => {
    const head = Uint8Array.from({ length: 352 }, (_, i) => i & 0xff)
    const body = ctLike(300_001, 1) // odd length: slabs do not fall on element boundaries
    const gz = concat(await gzipParallel([head, body], { slabBytes: 65_536 }))
    const want = Buffer.concat([head, body])
    expect(gunzipSync(gz).equals(want)).toBe(true)
    // One member, not several: the trailer's ISIZE (the last 4 bytes) is the whole length.
    expect(gz.readUInt32LE(gz.length - 4)).toBe(want.length)
    const viaTool = execFileSync('gzip', ['-dc'], { input: gz, maxBuffer: 64 << 20 })
    expect(viaTool.equals(want)).toBe(true)
  })

  it('writes MTIME 0, no name, and the same bytes every time', async () => {
    const data = ctLike(100_000, 2)
    const a = concat(await gzipParallel([data], { slabBytes: 10_000 }))
    const b = concat(await gzipParallel([data], { slabBytes: 10_000 }))
    expect(a.equals(b)).toBe(true)
    expect([...a.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]) // FLG 0: no FNAME, no FEXTRA
    expect(a.readUInt32LE(4)).toBe(0)
  })

  it('handles empty input', async () => {
    expect(gunzipSync(concat(await gzipParallel([]))).length).toBe(0)
  })
})
