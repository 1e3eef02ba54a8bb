import { execFile } from 'node:child_process'
import { closeSync, copyFileSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { writePhantomSeries } from '../phantom'
import { tempDir } from '../../../test/helpers/tmp'
import { MAX_HEADER_BYTES, readHeader } from './header'

const run = promisify(execFile)
const HEADER_TS = join(import.meta.dirname, 'header.ts')

/** readHeader in a fresh process: its verdict and the process's peak RSS (MB). */
async function inChild(file: string): Promise<{ code?: string; maxRssMb: number }> {
  const script = `
    import { statSync } from 'node:fs'
    import { readHeader } from ${JSON.stringify(HEADER_TS)}
    const f = process.argv[1]; const st = statSync(f)
    const r = readHeader(f, 'x', st.size, st.mtimeMs)
    console.log(JSON.stringify({ code: r.code, maxRssMb: process.resourceUsage().maxRSS / 1024 }))`
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], {
    cwd: join(import.meta.dirname, '..', '..', '..'),
  })
  return JSON.parse(stdout) as { code?: string; maxRssMb: number }
}

/** A sparse file of `size` bytes (no disk used) starting with `head`. */
function sparse(path: string, size: number, head: Uint8Array): void {
  const fd = openSync(path, 'w')
  try {
    writeSync(fd, head, 0, head.length, 0)
    writeSync(fd, new Uint8Array(1), 0, 1, size - 1)
  } finally {
    closeSync(fd)
  }
}

describe('readHeader on large and long files', () => {
  const dir = tempDir()

  it('a 2 GiB non-DICOM file is refused from its first bytes, not read whole', async () => {
    const f = join(dir, 'video.mp4')
    sparse(f, 2 ** 31, new TextEncoder().encode('\x00\x00\x00\x20ftypisom not a dicom file at all'))
    const small = join(dir, 'small.mp4')
    writeFileSync(small, new TextEncoder().encode('\x00\x00\x00\x20ftypisom not a dicom file at all'))
    const baseline = await inChild(small)
    const r = await inChild(f)
    expect(r.code).toBe('DICOM_NOT_DICOM')
    // Before: 2 GiB of RSS. Node + tsx alone take ~100 MB here.
    expect(r.maxRssMb).toBeLessThan(baseline.maxRssMb + 64)
    expect(r.maxRssMb).toBeLessThan(400)
  }, 60_000)

  it('a DICOM header that never reaches PixelData is read to a cap, then refused', async () => {
    // Part 10 preamble, then a private OB element that claims 1 GiB: the parser wants more bytes.
    const head = new Uint8Array(132 + 12)
    head.set([0x44, 0x49, 0x43, 0x4d], 128)
    const dv = new DataView(head.buffer)
    dv.setUint16(132, 0x0002, true)
    dv.setUint16(134, 0x0001, true)
    head.set([0x4f, 0x42], 136) // OB
    dv.setUint32(140, 2 ** 30, true)
    const f = join(dir, 'endless.dcm')
    sparse(f, 2 ** 31, head)
    const r = await inChild(f)
    expect(['DICOM_BAD_HEADER', 'DICOM_TRUNCATED']).toContain(r.code)
    expect(r.maxRssMb).toBeLessThan(100 + (3 * MAX_HEADER_BYTES) / 2 ** 20)
  }, 60_000)

  it('a header longer than the first read (a 100 kB private block) is still indexed', async () => {
    const { files } = await writePhantomSeries(join(dir, 'p'), { rows: 32, cols: 32, slices: 2, seed: 3 })
    const f = join(dir, 'long.dcm')
    copyFileSync(files[0]!, f)
    const blob = join(dir, 'blob.bin')
    writeFileSync(blob, new Uint8Array(100_000).fill(0x41))
    await run('dcmodify', ['-nb', '-i', '(0029,0010)=LONGBLOCK', '-if', `(0029,1010)=${blob}`, f])
    const st = statSync(f)
    const h = readHeader(f, 'long.dcm', st.size, st.mtimeMs)
    expect('code' in h ? h : null).toBeNull()
    expect(st.size).toBeGreaterThan(100_000)
    // dcmdump reads the same file to its PixelData: the block is well-formed, not our invention.
    const dump = await run('dcmdump', ['-q', '+E', f])
    expect(dump.stdout).toMatch(/\(0029,1010\)[^\n]*# 100000,/)
    expect(dump.stdout).toMatch(/\(7fe0,0010\)/)
  })
})
