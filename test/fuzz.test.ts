/**
 * Hostile input, in numbers: a few thousand mutants of valid files in nine transfer syntaxes
 * through what scan and a worker do with a file (no crash, every outcome a specific code, no
 * allocation of what a header claims), and a fuzzed tree through the real CLI. More cases:
 * `npm run fuzz -- --cases 100000 --seed 7`.
 */
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { type FuzzTally, formatTally, formatTreeTally, makeCorpus, runFuzz, runFuzzTree } from './hardening/fuzz'
import type { BaseFile } from './hardening/fuzzMutations'
import { tempDir } from './helpers/tmp'

const CASES = Number(process.env.CT_FUZZ_CASES ?? 2500)

describe('fuzzing the reader', () => {
  let tally: FuzzTally
  let corpus: BaseFile[]
  const dir = tempDir('ctc-fuzz-')
  beforeAll(async () => {
    corpus = await makeCorpus(join(dir, 'corpus'))
  }, 120_000)

  it(`${CASES} mutants: no crash, specific codes, nothing allocated for a header's claim`, async () => {
    tally = await runFuzz({ cases: CASES, seed: Number(process.env.CT_FUZZ_SEED ?? 1), corpus })
    console.log(formatTally(tally))
    expect(tally.crashes, formatTally(tally)).toEqual([])
    expect(tally.harnessErrors).toEqual([])
    expect(tally.cases).toBe(CASES)
    // The mutations reach many distinct failure paths, and some mutants are still valid CT.
    expect(tally.distinctCodes.length).toBeGreaterThanOrEqual(6)
    for (const code of ['DICOM_TRUNCATED', 'DICOM_BAD_HEADER', 'DICOM_NOT_DICOM', 'DICOM_EMPTY_FILE']) {
      expect(tally.distinctCodes).toContain(code)
    }
    expect(tally.outcomes.ok ?? 0).toBeGreaterThan(0)
    expect(tally.outcomes.INTERNAL ?? 0).toBe(0)
    // Rows × Columns 65535² (case 0, and as random mutations) would be 8 GiB at 16 bits.
    expect(tally.peakRssMb - tally.baselineRssMb).toBeLessThan(1024)
  }, 300_000)

  it('a fuzzed tree: scan gives every bad file a specific code; process exits 0, every scan done or failed with a code', async () => {
    const t = await runFuzzTree({ files: 60, seed: 3, corpus })
    console.log(formatTreeTally(t))
    expect(t.unaccounted).toEqual([])
    expect(t.unspecific).toEqual([])
    expect(t.processExit).toBe(0)
    expect(t.badScans).toEqual([])
    expect(t.done).toBeGreaterThanOrEqual(2) // the two valid series beside the mutants
  }, 300_000)
})
