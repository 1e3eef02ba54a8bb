/**
 * Geometry flag thresholds. Configuration, not magic: each is documented in the README with the
 * measurement it came from. Values are compared with `>` unless noted.
 */
export interface GeometryThresholds {
  /** A gap larger than this multiple of the median gap means missing slices. @default 1.5 */
  gapFactor: number
  /** Largest relative deviation of any gap from the median gap. @default 0.1 */
  variableSpacing: number
  /** Positions closer than this (mm) are duplicates. @default 0.01 */
  duplicateMm: number
  /** Angle (degrees) between the stack direction and the slice normal, or |GantryTilt|. @default 1 */
  tiltDeg: number
  /** Angle (degrees) between the slice normal and the patient z axis. @default 10 */
  nonAxialDeg: number
  /** Fewer slices than this (`<`). @default 20 */
  fewSlices: number
  /** Slice spacing above this (mm). @default 5 */
  thickSliceMm: number
  /** Relative difference between header spacing and the measured one. @default 0.1 */
  spacingMismatch: number
  /** Relative difference between SliceThickness and the measured spacing when no SpacingBetweenSlices. @default 0.5 */
  thicknessMismatch: number
  /** z extent of a chest CT below this (mm, `<`). @default 150 */
  minCoverageMm: number
}

export const GEOMETRY_THRESHOLDS: GeometryThresholds = {
  gapFactor: 1.5,
  variableSpacing: 0.1,
  duplicateMm: 0.01,
  tiltDeg: 1,
  nonAxialDeg: 10,
  fewSlices: 20,
  thickSliceMm: 5,
  spacingMismatch: 0.1,
  thicknessMismatch: 0.5,
  minCoverageMm: 150,
}

/**
 * Limits beyond which a series' geometry is a broken header, not a scan: rejected before any
 * volume is allocated (IMPLAUSIBLE_GEOMETRY) instead of failing as OUT_OF_MEMORY.
 */
export const PLAUSIBLE_GEOMETRY = {
  /** Smallest spacing on any axis, mm (micro-CT is ~0.01 mm; clinical CT ≥ 0.1). */
  minSpacingMm: 0.01,
  /** Largest in-plane pixel spacing, mm (clinical CT is 0.2–2 mm). */
  maxPixelSpacingMm: 20,
  /** Largest distance between slices, mm (sparse HRCT protocols reach 10–20 mm). */
  maxSliceSpacingMm: 100,
  /** Largest extent on any axis, mm: a whole-body scan is about 2 m long. */
  maxExtentMm: 3000,
  /** Largest resampled volume, voxels: 2^30 voxels are 2 GiB of int16. */
  maxResampledVoxels: 2 ** 30,
}
