/**
 * Every knob of the phantom generator, its default, the case presets, and validation.
 * `resolveOptions` turns user options into a complete, checked set the kernels can trust.
 */
import { CuratorError } from '../../shared/errors'

export const PHANTOM_CASES = ['normal', 'tray', 'pacemaker', 'tracheostomy', 'one_lung', 'nodules', 'abdomen'] as const

/**
 * What the scan shows. Each case only changes the defaults of the anatomy knobs below
 * (`tray`, `pacemaker`, `tracheostomy`, `collapsedLung`, `nodules`, `abdomenMm`), so cases can be combined
 * by setting knobs explicitly.
 */
export type PhantomCase = (typeof PHANTOM_CASES)[number]

/** How files are named on disk. */
export type FileNaming =
  /** `IM-0001-0001.dcm`, numbered by InstanceNumber. */
  | 'ordered'
  /** `<SOPInstanceUID>.dcm`, as in the Kaggle DSB 2017 data. */
  | 'uid'
  /** Random hex names; about a third carry no extension, some an upper-case `.DCM`. */
  | 'random'

/** Signed (PixelRepresentation 1) or unsigned (0) 16-bit pixels. */
export type PixelStorage = 'int16' | 'uint16'

export interface PhantomOptions {
  /** Seed of every random draw; the phantom is a pure function of its options. @default 1 */
  seed?: number
  /** Anatomy / failure preset, see {@link PhantomCase}. @default 'normal' */
  case?: PhantomCase
  /** Image rows (y). @default 256 */
  rows?: number
  /** Image columns (x). @default 256 */
  cols?: number
  /** Number of axial slices. @default 100 */
  slices?: number
  /** In-plane pixel spacing in mm, one number or [row spacing (y), column spacing (x)]. @default 1.4 */
  pixelSpacing?: number | [number, number]
  /** Distance between slice centres in mm (the z spacing). @default 3 */
  sliceSpacing?: number
  /** SliceThickness written to the files, in mm. @default sliceSpacing */
  sliceThickness?: number
  /**
   * Lateral width of the body in mm. The chest is scaled from it in-plane; in z it is scaled to
   * fill the scanned range (see README). @default min(340, 0.8 × the smaller field-of-view side)
   */
  bodyWidthMm?: number
  /** Standard deviation of the Gaussian image noise in HU. @default 20 */
  noiseSigma?: number
  /** A dense table slab under the patient, spanning the full width. @default case === 'tray' */
  tray?: boolean
  /** A metal pacemaker can in the left chest wall, leads, and streak artefacts. @default case === 'pacemaker' */
  pacemaker?: boolean
  /**
   * Peak HU of the metal streaks next to the can (they fall off with distance). At the default
   * the dark streaks join outside air to a lung often enough that the tutorial's segmentation
   * failed on every seed we tried (12 of 12); at 900 about half failed. @default 1400
   */
  streakAmplitude?: number
  /** A tracheostomy tube from the skin into the trachea. @default case === 'tracheostomy' */
  tracheostomy?: boolean
  /** A lung replaced by soft tissue (~+40 HU). @default case === 'one_lung' ? 'left' : 'none' */
  collapsedLung?: 'none' | 'left' | 'right'
  /** Solid nodules (~+40 HU) inside the lungs, one of them at the lung wall. @default case === 'nodules' ? 4 : 0 */
  nodules?: number
  /**
   * How far the scan reaches below the lung bases, mm: the chest is fitted to the range above
   * it, and the upper abdomen fills it (liver, the stomach holding gas over fluid with an
   * air–fluid level under the left hemidiaphragm, gas in the colon). At most half the scanned
   * range. @default case === 'abdomen' ? 0.2 × the scanned range : 0
   */
  abdomenMm?: number
  /**
   * Tissue between the left lung base and the gas beneath it (diaphragm and stomach or colon
   * wall), mm, measured normal to the lung base. Thinner than a slice, it is lost to partial
   * volume and the gas touches the lung in the image, as on real scans. @default 3
   */
  diaphragmMm?: number
  /** Pixel storage; see README for how uint16 represents the field-of-view padding. @default 'int16' */
  storage?: PixelStorage
  /** RescaleSlope; HU = slope × stored + intercept. @default 1 */
  rescaleSlope?: number
  /** RescaleIntercept. @default -1024 */
  rescaleIntercept?: number
  /**
   * Pad pixels outside the circular reconstruction field of view with a stored value that is
   * not tissue: −2000 for int16 (the value the tutorial zeroes), 0 for uint16. @default true
   */
  fovPadding?: boolean
  /** Declare the padding as PixelPaddingValue (0028,0120). @default true */
  declarePadding?: boolean
  /** File naming scheme. @default 'ordered' */
  fileNaming?: FileNaming
  /** Write the files in a random order (directory order no longer follows position). @default false */
  shuffleWriteOrder?: boolean
  /** Leave SliceLocation (0020,1041) out of every file. @default false */
  omitSliceLocation?: boolean
  /** How many DICOM files to cut short after writing (cut inside the pixel data). @default 0 */
  truncatedFiles?: number
  /** How many non-DICOM files to drop in the folder (a .txt, a Thumbs.db, a zero-byte .dcm, a .jpg). @default 0 */
  junkFiles?: number
  /** PatientID (LO, ≤ 64 characters). @default `PHANTOM-<seed>` */
  patientId?: string
  /** PatientName (PN). @default `Phantom^<seed>` */
  patientName?: string
  /** PatientBirthDate, YYYYMMDD. @default drawn from the seed (1940–1979) */
  birthDate?: string
  /** PatientSex. @default drawn from the seed */
  patientSex?: 'M' | 'F' | 'O'
  /** StudyDate, YYYYMMDD. @default drawn from the seed (2015–2016) */
  studyDate?: string
}

export type ResolvedOptions = Required<Omit<PhantomOptions, 'pixelSpacing'>> & {
  /** [row spacing (y), column spacing (x)] in mm. */
  pixelSpacing: [number, number]
}

/** Lowest and highest HU the phantom produces: the 12-bit CT scale scanners clip to. */
export const HU_MIN = -1024
export const HU_MAX = 3071
/** Stored value of out-of-field-of-view pixels with int16 storage (as GE and the tutorial's data). */
export const INT16_PADDING = -2000

function bad(message: string): never {
  throw new CuratorError('BAD_ARGUMENT', `phantom: ${message}`)
}

function checkInt(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) bad(`${name} must be an integer in [${lo}, ${hi}], got ${v}`)
}

function checkNum(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isFinite(v) || v < lo || v > hi) bad(`${name} must be a number in [${lo}, ${hi}], got ${v}`)
}

function checkDate(name: string, v: string): void {
  if (!/^(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/.test(v)) bad(`${name} must be YYYYMMDD, got '${v}'`)
}

/** Fills defaults (case presets first) and validates; throws CuratorError BAD_ARGUMENT. */
export function resolveOptions(opts: PhantomOptions): ResolvedOptions {
  const seed = opts.seed ?? 1
  checkNum('seed', seed, 0, Number.MAX_SAFE_INTEGER)
  const kase = opts.case ?? 'normal'
  if (!PHANTOM_CASES.includes(kase)) bad(`unknown case '${String(kase)}' (one of ${PHANTOM_CASES.join(', ')})`)
  const rows = opts.rows ?? 256
  const cols = opts.cols ?? 256
  const slices = opts.slices ?? 100
  checkInt('rows', rows, 32, 2048)
  checkInt('cols', cols, 32, 2048)
  checkInt('slices', slices, 2, 4000)
  const ps = opts.pixelSpacing ?? 1.4
  const pixelSpacing: [number, number] = typeof ps === 'number' ? [ps, ps] : [ps[0], ps[1]]
  checkNum('pixelSpacing', pixelSpacing[0], 0.05, 20)
  checkNum('pixelSpacing', pixelSpacing[1], 0.05, 20)
  const sliceSpacing = opts.sliceSpacing ?? 3
  checkNum('sliceSpacing', sliceSpacing, 0.05, 50)
  const sliceThickness = opts.sliceThickness ?? sliceSpacing
  checkNum('sliceThickness', sliceThickness, 0.05, 50)
  const fovMin = Math.min(rows * pixelSpacing[0], cols * pixelSpacing[1])
  const bodyWidthMm = opts.bodyWidthMm ?? Math.min(340, 0.8 * fovMin)
  checkNum('bodyWidthMm', bodyWidthMm, 20, 0.8 * fovMin)

  const storage = opts.storage ?? 'int16'
  if (storage !== 'int16' && storage !== 'uint16') bad(`storage must be 'int16' or 'uint16', got '${String(storage)}'`)
  const rescaleSlope = opts.rescaleSlope ?? 1
  const rescaleIntercept = opts.rescaleIntercept ?? -1024
  checkNum('rescaleSlope', rescaleSlope, 1 / 64, 64)
  checkNum('rescaleIntercept', rescaleIntercept, -32768, 32767)
  // Powers of two and integers keep HU ↔ stored exact both ways (see storage.ts).
  if (!Number.isInteger(Math.log2(rescaleSlope)) || !Number.isInteger(rescaleIntercept))
    bad(
      `rescaleSlope must be a power of two (0.25, 0.5, 1, 2, 4 …) and rescaleIntercept an integer, so HU round-trip exactly; got ${rescaleSlope} / ${rescaleIntercept}`,
    )
  const storedMin = Math.round((HU_MIN - rescaleIntercept) / rescaleSlope)
  const storedMax = Math.round((HU_MAX - rescaleIntercept) / rescaleSlope)
  if (storage === 'uint16' && (storedMin < 0 || storedMax > 65535))
    bad(
      `uint16 storage needs ${HU_MIN}..${HU_MAX} HU to map into 0..65535; slope ${rescaleSlope} / intercept ${rescaleIntercept} gives ${storedMin}..${storedMax}`,
    )
  if (storage === 'int16' && (storedMin <= INT16_PADDING || storedMax > 32767))
    bad(
      `int16 storage needs ${HU_MIN}..${HU_MAX} HU to map into ${INT16_PADDING + 1}..32767 (above the padding value); slope ${rescaleSlope} / intercept ${rescaleIntercept} gives ${storedMin}..${storedMax}`,
    )

  const truncatedFiles = opts.truncatedFiles ?? 0
  checkInt('truncatedFiles', truncatedFiles, 0, slices - 1)
  const junkFiles = opts.junkFiles ?? 0
  checkInt('junkFiles', junkFiles, 0, 64)
  const nodules = opts.nodules ?? (kase === 'nodules' ? 4 : 0)
  checkInt('nodules', nodules, 0, 50)
  const noiseSigma = opts.noiseSigma ?? 20
  checkNum('noiseSigma', noiseSigma, 0, 500)
  const range = (slices - 1) * sliceSpacing
  const abdomenMm = opts.abdomenMm ?? (kase === 'abdomen' ? 0.2 * range : 0)
  checkNum('abdomenMm', abdomenMm, 0, 0.5 * range)
  const diaphragmMm = opts.diaphragmMm ?? 3
  checkNum('diaphragmMm', diaphragmMm, 0.5, 30)
  const streakAmplitude = opts.streakAmplitude ?? 1400
  checkNum('streakAmplitude', streakAmplitude, 0, 5000)
  const collapsedLung = opts.collapsedLung ?? (kase === 'one_lung' ? 'left' : 'none')
  if (!['none', 'left', 'right'].includes(collapsedLung)) bad(`collapsedLung must be none, left or right`)
  const fileNaming = opts.fileNaming ?? 'ordered'
  if (!['ordered', 'uid', 'random'].includes(fileNaming)) bad(`fileNaming must be ordered, uid or random`)

  const intSeed = Math.floor(seed)
  const patientId = opts.patientId ?? `PHANTOM-${intSeed}`
  if (patientId.length === 0 || patientId.length > 64 || !isPlainText(patientId))
    bad(`patientId must be 1-64 characters without backslash or control characters`)
  const patientName = opts.patientName ?? `Phantom^${intSeed}`
  if (patientName.length > 64 || !isPlainText(patientName))
    bad(`patientName must be ≤ 64 characters without backslash or control characters`)
  // Derived demographics use their own tiny hash so they do not depend on any other draw.
  const d = (intSeed * 2654435761) >>> 0
  const birthDate = opts.birthDate ?? `${1940 + (d % 40)}${pad2(1 + ((d >>> 8) % 12))}${pad2(1 + ((d >>> 12) % 28))}`
  const studyDate =
    opts.studyDate ?? `${2015 + ((d >>> 4) % 2)}${pad2(1 + ((d >>> 16) % 12))}${pad2(1 + ((d >>> 20) % 28))}`
  checkDate('birthDate', birthDate)
  checkDate('studyDate', studyDate)
  const patientSex = opts.patientSex ?? ((d >>> 24) % 2 === 0 ? 'M' : 'F')
  if (!['M', 'F', 'O'].includes(patientSex)) bad(`patientSex must be M, F or O`)

  return {
    seed,
    case: kase,
    rows,
    cols,
    slices,
    pixelSpacing,
    sliceSpacing,
    sliceThickness,
    bodyWidthMm,
    noiseSigma,
    tray: opts.tray ?? kase === 'tray',
    pacemaker: opts.pacemaker ?? kase === 'pacemaker',
    streakAmplitude,
    tracheostomy: opts.tracheostomy ?? kase === 'tracheostomy',
    collapsedLung,
    nodules,
    abdomenMm,
    diaphragmMm,
    storage,
    rescaleSlope,
    rescaleIntercept,
    fovPadding: opts.fovPadding ?? true,
    declarePadding: opts.declarePadding ?? true,
    fileNaming,
    shuffleWriteOrder: opts.shuffleWriteOrder ?? false,
    omitSliceLocation: opts.omitSliceLocation ?? false,
    truncatedFiles,
    junkFiles,
    patientId,
    patientName,
    birthDate,
    patientSex,
    studyDate,
  }
}

/** No backslash (the DICOM value separator) and no control characters. */
function isPlainText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x20 || c === 0x5c || c === 0x7f) return false
  }
  return true
}

function pad2(n: number): string {
  return String(n).padStart(2, '0')
}
