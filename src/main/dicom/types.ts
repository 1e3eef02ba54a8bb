import type { Flag, Vec3 } from '../../shared/api'
import type { ErrorCode } from '../../shared/errors'

/** What indexing keeps of one DICOM image file: its header, never its pixels. */
export interface HeaderRecord {
  /** Path relative to the scanned root, `/`-separated. */
  path: string
  size: number
  mtimeMs: number
  transferSyntaxUid: string
  sopClassUid: string
  sopInstanceUid: string
  studyUid: string
  seriesUid: string
  patientId: string
  patientName: string
  modality: string
  imageType: string[]
  seriesDescription: string
  seriesNumber: number | null
  manufacturer: string
  kernel: string
  acquisitionDate: string
  rows: number
  columns: number
  frames: number
  bitsAllocated: number
  bitsStored: number
  pixelRepresentation: number
  samplesPerPixel: number
  photometric: string
  /** ImagePositionPatient, or null when absent or malformed. */
  ipp: [number, number, number] | null
  /** ImageOrientationPatient (row cosines, column cosines). */
  iop: [number, number, number, number, number, number] | null
  /** PixelSpacing [row spacing (y), column spacing (x)]. */
  pixelSpacing: [number, number] | null
  sliceThickness: number | null
  spacingBetweenSlices: number | null
  sliceLocation: number | null
  instanceNumber: number | null
  rescaleSlope: number
  rescaleIntercept: number
  pixelPaddingValue: number | null
  pixelPaddingRangeLimit: number | null
  gantryTilt: number | null
  /** LossyImageCompression (0028,2110) is "01": decompressed from a lossy stream at some point. */
  lossyImageCompression?: boolean
  /**
   * Why the slice's pixels cannot become HU (header checked at indexing); such a slice is left
   * out of its series, which gets a `dropped_slices` flag naming it.
   */
  defect?: { code: ErrorCode; message: string }
}

export interface SkippedFile {
  path: string
  code: ErrorCode
  message: string
}

/** One series as `ct-curator scan --json` prints it (a CLI contract: keep these names). */
export interface SeriesInfo {
  folder: string
  patientId: string
  studyUid: string
  seriesUid: string
  modality: string
  /** Paths relative to root, in slice order (robust order). */
  files: string[]
  chosen: boolean
  choiceReason: string
  flags: Flag[]
  /** [z, y, x] mm; z is the median gap between positions (or the thickness when there is one slice). */
  spacing: Vec3 | null
  /** [z, y, x] voxels. */
  shape: Vec3 | null
  transferSyntaxes: string[]
  // Extra fields (free to add): for the detail view and the database.
  seriesDescription: string
  seriesNumber: number | null
  manufacturer: string
  kernel: string
  acquisitionDate: string
  sliceThickness: number | null
  orientation: string
  /** Where the patient key came from: top-level folder and PatientID. */
  patientKey: string
}

export interface ScanResult {
  root: string
  series: SeriesInfo[]
  skipped: SkippedFile[]
  stats: { files: number; indexed: number; reused: number; durationMs: number }
}
