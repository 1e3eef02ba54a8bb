/**
 * Synthetic chest-CT phantoms written as real DICOM series, with ground-truth lung masks.
 * See README.md in this folder for the anatomy, the cases and the file-level knobs.
 */
export { PHANTOM_CASES, HU_MIN, HU_MAX, INT16_PADDING } from './options'
export type { PhantomCase, PhantomOptions, ResolvedOptions, FileNaming, PixelStorage } from './options'
export { generatePhantom } from './generate'
export type { PhantomVolume, PhantomAnnotations } from './generate'
export { writePhantomSeries } from './series'
export type { PhantomSeriesResult } from './series'
export { writeDemoCohort, DEMO_RECIPES } from './cohort'
export type { DemoCohortOptions, DemoCohortResult } from './cohort'
export { PADDING_HU } from './storage'
