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
