/**
 * Lung segmentation against its oracles:
 * (a) label3d / label2d against skimage.measure.label (scikit-image 0.19), label for label;
 * (b) seed mode against the tutorial's own segment_lung_mask (test/oracle/segment.py) on
 *     phantoms and on the real scan A0002 (HU from the tutorial's load_scan + get_pixels_hu,
 *     the same int16 array fed to both sides): identical masks;
 * (c) robust mode against the phantoms' ground truth, and the failure flags of both modes;
 * (d) the HU histogram against numpy.histogram;
 * and the full 1 mm size (375 × 358 × 358).
 *
 * Phantoms are 128² × 60 at 2.5 × 2.5 × 5 mm (a 300 mm chest, like the demo cohort), segmented
 * on their source grid: the segmentation does not care about the spacing in seed mode.
 */
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { readNpy, writeNpy } from '../src/main/io/npy'
import { type PhantomOptions, type PhantomVolume, generatePhantom } from '../src/main/phantom'
import { LabelScratch, label2d, label3d } from '../src/main/pipeline/connectedComponents'
import { huHistogram, maskStats } from '../src/main/pipeline/maskStats'
import { segmentLungsSeedBoth } from '../src/main/pipeline/segmentLungs'
import { segmentLungsRobust } from '../src/main/pipeline/segmentLungsRobust'
import { tempDir } from './helpers/tmp'
import { dice } from '../src/main/pipeline/dice'
import { uniform } from '../src/main/phantom/prng'

const run = promisify(execFile)
const PYTHON = '/usr/bin/python3'
const ORACLE = join(import.meta.dirname, 'oracle', 'segment.py')
const REAL = join(import.meta.dirname, '..', '..', 'shared', 'data', 'lung_pet_ct_dx_A0002_B70f')
const REAL_SPACING: [number, number, number] = [8, 0.646484375, 0.646484375]
const GRID = { rows: 128, cols: 128, slices: 60, pixelSpacing: 2.5, sliceSpacing: 5 }

const CASES: Record<string, PhantomOptions> = {
  normal: { case: 'normal' },
  normal_seed2: { case: 'normal', seed: 2 },
  nodules: { case: 'nodules' },
  tray: { case: 'tray' },
  // The demo cohort's "uint16 tray without FOV padding": the tutorial keeps the air under it.
  tray_no_padding: { case: 'tray', storage: 'uint16', fovPadding: false },
  pacemaker: { case: 'pacemaker' },
  tracheostomy: { case: 'tracheostomy' },
  one_lung: { case: 'one_lung' },
  // The upper abdomen in the scan: stomach gas under the left lung base behind a thin diaphragm,
  // colon gas; at 5 mm and at 2.5 mm slices with a 2 mm diaphragm.
  abdomen: { case: 'abdomen' },
  abdomen_thin: { case: 'abdomen', seed: 2, slices: 120, sliceSpacing: 2.5, diaphragmMm: 2 },
}
const NORMAL = ['normal', 'normal_seed2', 'nodules', 'tray']
const ABDOMEN = ['abdomen', 'abdomen_thin']

interface LabelJob {
  name: string
  img: Uint8Array | Int16Array
  shape: number[]
  /** skimage's connectivity: 1 … ndim. */
  connectivity: number
  background: number | null
}

const dir = tempDir('ctc-seg-')
const phantoms = new Map<string, PhantomVolume>()
const labelJobs: LabelJob[] = []
let real: { hu: Int16Array; shape: [number, number, number] }

function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let n = 0
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++
  return n
}

const mask = async (path: string): Promise<Uint8Array> => (await readNpy(path)).data as Uint8Array

beforeAll(async () => {
  const jobs: string[][] = [['hu', REAL, join(dir, 'real.npy')]]
  for (const [name, opts] of Object.entries(CASES)) {
    const v = generatePhantom({ ...GRID, ...opts })
    phantoms.set(name, v)
    await writeNpy(join(dir, `${name}.npy`), v.hu, v.shape)
    jobs.push(['segment', join(dir, `${name}.npy`), join(dir, name)])
  }
  jobs.push(
    ['segment', join(dir, 'real.npy'), join(dir, 'real')],
    ['hist', join(dir, 'real.npy'), join(dir, 'hist.json')],
  )

  // Random images with several values, small enough that every merge order shows up: noise at
  // 2–4 levels, some with a dominant value so large components form and merge across rows.
  const rnd = uniform(2017)
  for (let t = 0; t < 18; t++) {
    const is3d = t % 3 !== 0
    const shape = is3d
      ? [4 + Math.floor(rnd() * 9), 4 + Math.floor(rnd() * 13), 4 + Math.floor(rnd() * 17)]
      : [10 + Math.floor(rnd() * 30), 10 + Math.floor(rnd() * 40)]
    const n = shape.reduce((p, q) => p * q, 1)
    const levels = 2 + (t % 3)
    const img = t % 2 ? new Int16Array(n) : new Uint8Array(n)
    for (let i = 0; i < n; i++) img[i] = rnd() < 0.3 ? 0 : Math.floor(rnd() * levels)
    const connectivity = 1 + (t % shape.length)
    const background = [0, 2, null][Math.floor(t / 3) % 3]!
    labelJobs.push({ name: `label${t}`, img, shape, connectivity, background })
    await writeNpy(join(dir, `label${t}.npy`), img, shape)
    // skimage has no "no background": a value absent from the image is the same thing.
    jobs.push([
      'label',
      join(dir, `label${t}.npy`),
      join(dir, `label${t}.i32`),
      String(connectivity),
      String(background ?? -7),
    ])
  }
  await writeFile(join(dir, 'jobs.json'), JSON.stringify(jobs))
  await run(PYTHON, [ORACLE, 'jobs', join(dir, 'jobs.json')], { maxBuffer: 16 << 20, timeout: 170_000 })
  const r = await readNpy(join(dir, 'real.npy'))
  real = { hu: r.data as Int16Array, shape: r.shape as [number, number, number] }
}, 180_000)

describe('(a) label3d / label2d equal skimage.measure.label', () => {
  it('on random multi-valued images: same labels, same numbering, every connectivity', async () => {
    let diff = 0
    let voxels = 0
    for (const job of labelJobs) {
      const bytes = await readFile(join(dir, `${job.name}.i32`))
      const ref = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
      const ours =
        job.shape.length === 3
          ? label3d(job.img, job.shape as [number, number, number], {
              connectivity: ([6, 18, 26] as const)[job.connectivity - 1],
              background: job.background,
            })
          : label2d(job.img, job.shape as [number, number], {
              connectivity: job.connectivity === 1 ? 4 : 8,
              background: job.background,
            })
      expect(ours.count, job.name).toBe(Math.max(0, ...ref))
      diff += differing(ours.labels, ref)
      voxels += ref.length
    }
    console.info({ images: labelJobs.length, voxels, differing: diff })
    expect(labelJobs.length).toBe(18)
    expect(voxels).toBeGreaterThan(10_000)
    expect(diff).toBe(0)
  })
})

describe('(b) seed mode is the tutorial, voxel for voxel', () => {
  it.each(Object.keys(CASES))('phantom %s', async (name) => {
    const v = phantoms.get(name)!
    const ours = segmentLungsSeedBoth(v.hu, v.shape)
    const fill = await mask(join(dir, `${name}_fill.npy`))
    const noFill = await mask(join(dir, `${name}_nofill.npy`))
    expect(differing(ours.fill, fill)).toBe(0)
    expect(differing(ours.noFill, noFill)).toBe(0)
    expect(dice(ours.fill, fill)).toBe(1)
  })

  it("the real scan A0002 (512 × 512 × 30, HU by the tutorial's own loader)", async () => {
    expect(real.shape).toEqual([30, 512, 512])
    const ours = segmentLungsSeedBoth(real.hu, real.shape)
    expect(differing(ours.fill, await mask(join(dir, 'real_fill.npy')))).toBe(0)
    expect(differing(ours.noFill, await mask(join(dir, 'real_nofill.npy')))).toBe(0)
    // A plausible lung mask: 10 % of the volume, as a normal chest.
    expect(maskStats(real.hu, ours.fill, real.shape, REAL_SPACING).fraction).toBeCloseTo(0.105, 2)
  })
})

describe('(c) robust mode against the truth, and the flags', () => {
  const rows: Array<Record<string, string | number>> = []

  it.each(Object.keys(CASES))('%s', (name) => {
    const v = phantoms.get(name)!
    const seed = segmentLungsSeedBoth(v.hu, v.shape).fill
    const robust = segmentLungsRobust(v.hu, v.shape, v.spacing)
    const seedStats = maskStats(v.hu, seed, v.shape, v.spacing)
    const robustStats = maskStats(v.hu, robust.fill, v.shape, v.spacing)
    const seedFlags = seedStats.flags.map((f) => f.code)
    const robustFlags = robustStats.flags.map((f) => f.code)
    // The tutorial keeps the trachea and main bronchi, and says so; robust mode removes them.
    if (!['pacemaker', 'tracheostomy', 'tray_no_padding'].includes(name)) {
      expect(seedFlags).toContain('airways_in_mask')
      expect(seedStats.airwaysMl).toBeGreaterThan(10)
    }
    expect(robustStats.airwaysMl).toBeLessThan(1)
    if (!ABDOMEN.includes(name)) {
      // No abdomen, nothing for the gas step to do: the mask is the one it was before the step.
      const before = segmentLungsRobust(v.hu, v.shape, v.spacing, { removeAbdominalGas: false })
      expect(differing(robust.fill, before.fill)).toBe(0)
      expect(differing(robust.noFill, before.noFill)).toBe(0)
      expect(seedStats.abdominalGasMl).toBe(0)
      expect(robustStats.abdominalGasMl).toBe(0)
    }
    rows.push({
      case: name,
      seedDice: +dice(seed, v.lungMask).toFixed(4),
      robustDice: +dice(robust.fill, v.lungMask).toFixed(4),
      seedFraction: +seedStats.fraction.toFixed(5),
      robustFraction: +robustStats.fraction.toFixed(5),
      seedFlags: seedFlags.join(' '),
      robustFlags: robustFlags.join(' '),
    })
    // Robust mode: right on every case; the failure cases measured 0.991–0.998, the abdomen
    // cases 0.991–0.996.
    expect(dice(robust.fill, v.lungMask)).toBeGreaterThanOrEqual(NORMAL.includes(name) ? 0.95 : 0.97)
    if (NORMAL.includes(name)) {
      expect(dice(seed, v.lungMask)).toBeGreaterThan(0.95) // the tutorial works here too
      expect(seedFlags).toEqual(['airways_in_mask'])
      expect(robustFlags).toEqual([])
      expect(robust.lungComponents).toBeGreaterThanOrEqual(1)
    }
    // Each failure shows in the tutorial's output as the pipeline notes say it does.
    if (name === 'pacemaker') {
      expect(seedFlags).toEqual(expect.arrayContaining(['tiny_mask', 'metal']))
      expect(robustFlags).toEqual(['metal']) // the mask is right; the metal is still worth a look
      expect(robust.outside.cut).toBe(true)
    }
    if (name === 'tracheostomy') {
      expect(seedFlags).toContain('tiny_mask')
      expect(robustFlags).toEqual([])
      expect(robust.outside.cut).toBe(true)
    }
    if (name === 'tray_no_padding') {
      expect(seedFlags).toEqual(['border_touching'])
      expect(seedStats.fraction).toBeGreaterThan(2 * robustStats.fraction) // large, not tiny
      expect(robustFlags).toEqual([])
    }
    if (ABDOMEN.includes(name)) {
      // The tutorial keeps the gas it finds joined to a lung base, and the flag measures it: the
      // phantom's gas in the tutorial's mask (nearly all of it), within ±20 %.
      const voxelMl = (v.spacing[0] * v.spacing[1] * v.spacing[2]) / 1000
      let gas = 0
      let gasInSeed = 0
      for (let i = 0; i < seed.length; i++) {
        gas += v.abdominalGas![i]!
        gasInSeed += v.abdominalGas![i]! & seed[i]!
      }
      expect(gasInSeed).toBeGreaterThan(0.8 * gas)
      expect(seedFlags).toEqual(['abdominal_gas', 'airways_in_mask'])
      const flag = seedStats.flags.find((f) => f.code === 'abdominal_gas')!
      expect(flag.value).toBeGreaterThan(0.8 * gasInSeed * voxelMl)
      expect(flag.value).toBeLessThan(1.2 * gasInSeed * voxelMl)
      expect(dice(seed, v.lungMask)).toBeLessThan(0.94)
      // Robust mode removes it, flags nothing, and its left and right volumes are lung only.
      expect(robust.abdominalGas?.bodies).toBeGreaterThanOrEqual(1)
      expect(robustFlags).toEqual([])
      const truth = maskStats(v.hu, v.lungMask, v.shape, v.spacing)
      expect(Math.abs(robustStats.leftMl / truth.leftMl - 1)).toBeLessThan(0.03)
      expect(Math.abs(robustStats.rightMl / truth.rightMl - 1)).toBeLessThan(0.03)
      expect(seedStats.leftMl).toBeGreaterThan(1.1 * truth.leftMl) // the stomach is on the left
    }
    if (name === 'one_lung') {
      expect(seedFlags).toEqual(['one_lung', 'airways_in_mask'])
      expect(robustFlags).toEqual(['one_lung'])
      expect(robust.lungComponents).toBe(1)
    }
  })

  it('the real scan: robust mode agrees with the tutorial where the tutorial is right, no flags', () => {
    const seed = segmentLungsSeedBoth(real.hu, real.shape).fill
    const robust = segmentLungsRobust(real.hu, real.shape, REAL_SPACING)
    const st = maskStats(real.hu, robust.fill, real.shape, REAL_SPACING)
    // The difference is the trachea and main bronchi, which robust mode takes out.
    expect(dice(seed, robust.fill)).toBeGreaterThan(0.99)
    expect(robust.lungComponents).toBe(2)
    expect(robust.airways?.removedVoxels).toBeGreaterThan(1000)
    expect(st.flags).toEqual([])
    // Its lungs are those of before the gas step (the scan ends at the liver and spleen domes).
    const before = segmentLungsRobust(real.hu, real.shape, REAL_SPACING, { removeAbdominalGas: false })
    expect(differing(robust.fill, before.fill)).toBe(0)
    expect(robust.abdominalGas?.voxels).toBe(0)
    expect([st.abdominalGasMl, st.airwaysMl]).toEqual([0, 0])
    // The tutorial's mask holds the trachea (4 mL at 8 mm slices); that is all it is told.
    expect(maskStats(real.hu, seed, real.shape, REAL_SPACING).flags.map((f) => f.code)).toEqual(['airways_in_mask'])
    rows.push({ case: 'real A0002', seedDice: '-', robustDice: `${dice(seed, robust.fill).toFixed(4)} vs seed` })
    console.info(rows)
  })
})

describe("(d) the tutorial's HU histogram", () => {
  it('equals numpy.histogram(hu.flatten(), bins=80) on the real scan', async () => {
    const ref = JSON.parse(await readFile(join(dir, 'hist.json'), 'utf8')) as { counts: number[]; edges: number[] }
    const h = huHistogram(real.hu)
    expect([...h.edges]).toEqual(ref.edges)
    expect([...h.counts]).toEqual(ref.counts)
  })
})

describe('full size: 375 × 358 × 358 (48 M voxels, a chest resampled to 1 mm)', () => {
  it('labels and segments at the size the pipeline runs at', () => {
    // Timing belongs to `npm run bench`; this checks that the full size works and that the
    // robust mode's radii hold at 1 mm (its airway step once ran into the lung base only there).
    const v = generatePhantom({ rows: 358, cols: 358, slices: 375, pixelSpacing: 1, sliceSpacing: 1 })
    const binary = new Uint8Array(v.hu.length)
    for (let i = 0; i < binary.length; i++) binary[i] = v.hu[i]! > -320 ? 2 : 1
    const { labels, count } = label3d(binary, v.shape, { background: null, scratch: new LabelScratch() })
    expect(labels[0]).toBe(1) // the corner's component, as the tutorial reads it
    expect(count).toBeGreaterThan(2)
    const seed = segmentLungsSeedBoth(v.hu, v.shape)
    const robust = segmentLungsRobust(v.hu, v.shape, v.spacing)
    expect(dice(seed.fill, v.lungMask)).toBeGreaterThan(0.95) // measured 0.959 (trachea included)
    expect(dice(robust.fill, v.lungMask)).toBeGreaterThan(0.99) // measured 0.998
    expect(robust.lungComponents).toBe(2)
  }, 120_000)
})
