/**
 * writeDemoCohort: a small Kaggle-style cohort (`<root>/<patient folder>/*.dcm`) mixing normal
 * scans with every failure case the curator must catch, plus ground truth kept OUTSIDE the
 * root (a sibling `<root>-truth` by default) so a scanner of the root never sees it:
 *   <truthDir>/<folder>.npy  uint8 0/1 lung mask, C order [z][y][x], z ascending by
 *                            ImagePositionPatient[2] (slice 0 = most inferior = highest
 *                            InstanceNumber), y = rows, x = columns, on the source grid;
 *   <truthDir>/cohort.json   every patient's case, knobs, shape, spacing, files, junk, truncation.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { basename, isAbsolute, join, relative, resolve } from 'node:path'
import { CuratorError } from '../../shared/errors'
import { writeNpy } from '../io/npy'
import type { PhantomOptions } from './options'
import { Rng, deriveSeed } from './prng'
import { writePhantomSeries } from './series'

export interface DemoCohortOptions {
  /**
   * Number of patients, recipes cycled past the last. The first eight cover every chest case;
   * the upper abdomen comes from the eleventh on. @default 12 (minimum 8)
   */
  patients?: number
  /** Where ground truth goes; must not be inside `root`. @default `<root>-truth` */
  truthDir?: string
  /** Seed of the whole cohort (each patient derives its own). @default 2017 */
  seed?: number
  /** Replace the patient folders and truth files this cohort writes if they exist (nothing else
   * is touched). Without it, a non-empty root is an error. @default false */
  overwrite?: boolean
  onProgress?: (done: number, total: number, folder: string) => void
}

export interface DemoCohortResult {
  root: string
  truthDir: string
  patients: Array<{
    folder: string
    patientId: string
    case: string
    files: number
    truthFile: string
    knobs: Record<string, unknown>
  }>
}

/** Knobs of each demo patient, cycled past the twelfth with fresh seeds. Modest sizes (128–192 px,
 * 2–2.5 mm, 48–64 slices of 4–5 mm or 120 of 2.5 mm: the whole chest) so the demo writes in
 * seconds. New cases go at the end: a cohort of a given size and seed keeps its patients. */
export const DEMO_RECIPES: ReadonlyArray<PhantomOptions> = [
  { case: 'normal', rows: 160, cols: 160, pixelSpacing: 2.2, slices: 50, sliceSpacing: 5 },
  {
    case: 'normal',
    rows: 144,
    cols: 144,
    pixelSpacing: 2.4,
    slices: 48,
    sliceSpacing: 5,
    fileNaming: 'random',
    shuffleWriteOrder: true,
    omitSliceLocation: true,
    truncatedFiles: 1,
  },
  {
    case: 'normal',
    rows: 160,
    cols: 160,
    pixelSpacing: 2.2,
    slices: 56,
    sliceSpacing: 4,
    rescaleSlope: 2,
    rescaleIntercept: -1024,
    junkFiles: 2,
  },
  { case: 'tray', rows: 160, cols: 160, pixelSpacing: 2.2, slices: 50, sliceSpacing: 5 },
  { case: 'pacemaker', rows: 192, cols: 192, pixelSpacing: 2, slices: 52, sliceSpacing: 5 },
  { case: 'tracheostomy', rows: 160, cols: 160, pixelSpacing: 2.2, slices: 60, sliceSpacing: 4 },
  { case: 'one_lung', rows: 160, cols: 160, pixelSpacing: 2.2, slices: 50, sliceSpacing: 5, fileNaming: 'uid' },
  {
    case: 'normal',
    rows: 176,
    cols: 176,
    pixelSpacing: 2,
    slices: 60,
    sliceSpacing: 4,
    storage: 'uint16',
    junkFiles: 4,
  },
  { case: 'nodules', rows: 176, cols: 176, pixelSpacing: 2, slices: 60, sliceSpacing: 4 },
  {
    case: 'tray',
    rows: 128,
    cols: 128,
    pixelSpacing: 2.5,
    slices: 48,
    sliceSpacing: 5,
    storage: 'uint16',
    fovPadding: false,
  },
  // Scans that reach below the diaphragm: stomach gas with an air–fluid level under the left
  // lung base, colon gas. Thin slices only hide the diaphragm less: both join the gas to the lung.
  { case: 'abdomen', rows: 160, cols: 160, pixelSpacing: 2.2, slices: 64, sliceSpacing: 5 },
  { case: 'abdomen', rows: 144, cols: 144, pixelSpacing: 2.4, slices: 120, sliceSpacing: 2.5, diaphragmMm: 2 },
]

const TRUTH_ORIENTATION =
  'uint8 0/1, C order [z][y][x]; z ascending by ImagePositionPatient[2] (slice 0 is the most inferior, ' +
  'i.e. the highest InstanceNumber); y = rows (anterior to posterior), x = columns (patient right to left); ' +
  'same grid as the DICOM series, including slices whose files were truncated (see truncatedSlices)'

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

async function isNonEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0
  } catch {
    return false
  }
}

export async function writeDemoCohort(rootIn: string, opts: DemoCohortOptions = {}): Promise<DemoCohortResult> {
  const root = resolve(rootIn)
  const truthDir = resolve(opts.truthDir ?? `${root}-truth`)
  const count = opts.patients ?? 12
  const seed = opts.seed ?? 2017
  if (!Number.isInteger(count) || count < 8 || count > 1000)
    throw new CuratorError(
      'BAD_ARGUMENT',
      `demo cohort: patients must be an integer from 8 to 1000 (the first 8 cover every case), got ${count}`,
    )
  if (isInside(root, truthDir))
    throw new CuratorError(
      'BAD_ARGUMENT',
      `demo cohort: truth directory ${truthDir} must not be inside the cohort root ${root} (a scan of the root would pick it up)`,
    )
  if (!opts.overwrite && (await isNonEmptyDir(root)))
    throw new CuratorError(
      'BAD_ARGUMENT',
      `demo cohort: ${root} exists and is not empty; choose another folder or add --overwrite`,
    )

  await mkdir(root, { recursive: true })
  await mkdir(truthDir, { recursive: true })
  const patients: DemoCohortResult['patients'] = []
  const manifest: Array<Record<string, unknown>> = []
  for (let n = 0; n < count; n++) {
    const recipe = DEMO_RECIPES[n % DEMO_RECIPES.length]
    const patientSeed = deriveSeed(seed, `patient-${n}`)
    const folder = new Rng(patientSeed).hex(32)
    const knobs: PhantomOptions = {
      ...recipe,
      seed: patientSeed,
      patientId: folder,
      patientName: `PHANTOM^DEMO${String(n + 1).padStart(2, '0')}`,
    }
    const dir = join(root, folder)
    const truthFile = join(truthDir, `${folder}.npy`)
    if (opts.overwrite) await rm(dir, { recursive: true, force: true })
    const series = await writePhantomSeries(dir, knobs)
    const v = series.volume
    await writeNpy(truthFile, v.lungMask, v.shape)
    let maskVoxels = 0
    for (let i = 0; i < v.lungMask.length; i++) maskVoxels += v.lungMask[i]!
    const kase = v.options.case
    patients.push({ folder, patientId: folder, case: kase, files: series.files.length, truthFile, knobs: { ...knobs } })
    manifest.push({
      folder,
      patientId: folder,
      case: kase,
      knobs,
      options: v.options,
      shape: v.shape,
      spacing: v.spacing,
      origin: v.origin,
      files: series.files.length,
      junk: series.junk.map((p) => basename(p)),
      truncated: series.truncated.map((p) => basename(p)),
      truncatedSlices: series.truncatedSlices,
      truthFile: basename(truthFile),
      lungFraction: maskVoxels / v.lungMask.length,
      annotations: v.annotations,
    })
    opts.onProgress?.(n + 1, count, folder)
  }
  const cohort = {
    generator: 'CT Curator phantom',
    formatVersion: 1,
    seed,
    root,
    truthOrientation: TRUTH_ORIENTATION,
    patients: manifest,
  }
  await writeFile(join(truthDir, 'cohort.json'), `${JSON.stringify(cohort, null, 2)}\n`)
  return { root, truthDir, patients }
}
