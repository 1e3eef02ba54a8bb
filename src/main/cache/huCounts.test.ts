import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { HU_COUNTS_FILE, readHuCounts, writeHuCounts } from './volumes'

describe('hu_counts.bin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctc-hucounts-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('round-trips the values present with their counts, in HU order', async () => {
    const perValue = new Float64Array(65536)
    perValue[-1024 + 32768] = 1_000_000
    perValue[40 + 32768] = 7
    perValue[3071 + 32768] = 2 ** 32 - 1
    await writeHuCounts(dir, perValue)
    expect(await readHuCounts(dir)).toEqual([
      [-1024, 1_000_000],
      [40, 7],
      [3071, 2 ** 32 - 1],
    ])
  })

  it('reads a missing, foreign or cut file as absent (the export then counts the volume)', async () => {
    const path = join(dir, HU_COUNTS_FILE)
    const whole = readFileSync(path)
    writeFileSync(path, whole.subarray(0, whole.length - 3))
    expect(await readHuCounts(dir)).toBeNull()
    writeFileSync(path, Buffer.concat([Buffer.from('NOTCOUNT'), whole.subarray(8)]))
    expect(await readHuCounts(dir)).toBeNull()
    rmSync(path)
    expect(await readHuCounts(dir)).toBeNull()
  })
})
