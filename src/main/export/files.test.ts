import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { packBits } from '../cache/packedMask'
import { writeUnpacked } from './files'

describe('writeUnpacked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctc-unpacked-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('writes the header and every voxel as 0/1 in chunks, up to a ragged end', async () => {
    // 3.3 M voxels (more than three chunks): outside at both ends and in a gap, a lung-like block, single voxels at chunk edges, a last partial byte.
    const n = 3_300_003
    const mask = new Uint8Array(n)
    mask.fill(1, 1_000_000, 1_600_000)
    mask[2_000_000] = 1
    mask[(1 << 20) * 2 - 1] = 1
    mask[(1 << 20) * 2] = 1
    mask[n - 1] = 1
    const header = new Uint8Array(128).fill(7)
    const path = join(dir, 'lung.npy')
    const bytes = await writeUnpacked(path, header, packBits(mask), n)
    const back = readFileSync(path)
    expect(bytes).toBe(128 + n)
    expect(back.length).toBe(128 + n)
    expect(Buffer.compare(back.subarray(0, 128), Buffer.from(header))).toBe(0)
    expect(Buffer.compare(back.subarray(128), Buffer.from(mask))).toBe(0)
  })

  it('writes an all-outside mask as a file of zeros and an all-inside one whole', async () => {
    const header = new Uint8Array(64)
    for (const fill of [0, 1]) {
      const mask = new Uint8Array(100_001).fill(fill)
      const path = join(dir, `m${fill}.npy`)
      await writeUnpacked(path, header, packBits(mask), mask.length)
      const back = readFileSync(path)
      expect(back.length).toBe(64 + mask.length)
      expect(back.subarray(64).every((v) => v === fill)).toBe(true)
    }
  })
})
