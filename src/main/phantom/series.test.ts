import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import dicomParser from 'dicom-parser'
import { afterAll, describe, expect, it } from 'vitest'
import { type PhantomOptions } from './options'
import { writePhantomSeries } from './series'

const SMALL: PhantomOptions = { seed: 9, rows: 64, cols: 64, pixelSpacing: 5, slices: 12, sliceSpacing: 20 }
const dirs: string[] = []

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'phantom-series-'))
  dirs.push(d)
  return d
}

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

describe('writePhantomSeries', () => {
  it('writes one file per slice, instance 1 at the top, pixels that rescale to the volume', async () => {
    const dir = await tempDir()
    const r = await writePhantomSeries(dir, { ...SMALL, rescaleSlope: 2 })
    expect(r.files.map((f) => basename(f))).toEqual(
      Array.from({ length: 12 }, (_, n) => `IM-0001-${String(n + 1).padStart(4, '0')}.dcm`),
    )
    const { hu, fov, shape } = r.volume
    const plane = shape[1] * shape[2]
    let previousZ = Infinity
    for (const [n, file] of r.files.entries()) {
      const bytes = await readFile(file)
      const ds = dicomParser.parseDicom(bytes)
      expect(Number(ds.string('x00200013'))).toBe(n + 1)
      const z = Number(ds.string('x00200032')!.split('\\')[2])
      expect(z).toBeLessThan(previousZ)
      previousZ = z
      const k = shape[0] - 1 - n
      expect(z).toBeCloseTo(r.volume.origin[2] + k * r.volume.spacing[0], 6)
      const slope = Number(ds.string('x00281053'))
      const intercept = Number(ds.string('x00281052'))
      const el = ds.elements.x7fe00010!
      const stored = new Int16Array(
        bytes.buffer.slice(bytes.byteOffset + el.dataOffset, bytes.byteOffset + el.dataOffset + el.length),
      )
      for (let p = 0; p < plane; p++) {
        if (fov[p]) expect(stored[p]! * slope + intercept).toBe(hu[k * plane + p])
        else expect(stored[p]).toBe(-2000)
      }
    }
  })

  it('applies the file knobs: random names, no SliceLocation, truncation, junk', async () => {
    const dir = await tempDir()
    const r = await writePhantomSeries(dir, {
      ...SMALL,
      fileNaming: 'random',
      shuffleWriteOrder: true,
      omitSliceLocation: true,
      truncatedFiles: 2,
      junkFiles: 4,
    })
    expect(r.files.length).toBe(10)
    expect(r.truncated.length).toBe(2)
    expect(r.truncatedSlices.length).toBe(2)
    const names = (await readdir(dir)).sort()
    expect(names.length).toBe(16)
    expect(names.some((n) => !n.includes('.'))).toBe(true)
    expect(r.junk.map((f) => basename(f))).toEqual(['notes.txt', 'Thumbs.db', 'empty.dcm', 'preview.jpg'])
    expect((await stat(join(dir, 'empty.dcm'))).size).toBe(0)
    expect(Array.from((await readFile(join(dir, 'Thumbs.db'))).subarray(0, 4))).toEqual([0xd0, 0xcf, 0x11, 0xe0])
    const full = (await stat(r.files[0]!)).size
    for (const t of r.truncated) {
      const bytes = await readFile(t)
      expect(bytes.length).toBeLessThan(full)
      // The header is intact; the pixel data runs past the end of the file.
      expect(String.fromCharCode(...bytes.subarray(128, 132))).toBe('DICM')
      expect(() => dicomParser.parseDicom(bytes)).toThrow()
    }
    for (const f of r.files) {
      const ds = dicomParser.parseDicom(await readFile(f))
      expect(ds.elements.x00201041).toBeUndefined()
    }
  })

  it("names files by SOPInstanceUID with fileNaming 'uid'", async () => {
    const dir = await tempDir()
    const r = await writePhantomSeries(dir, { ...SMALL, slices: 3, fileNaming: 'uid' })
    for (const f of r.files) {
      const ds = dicomParser.parseDicom(await readFile(f))
      expect(basename(f)).toBe(`${ds.string('x00080018')}.dcm`)
    }
  })
})
