/**
 * Rendering presets shared by the 3D view and the slice views. A preset sets the volume's
 * transfer function and the slices' window, so one key changes both consistently.
 */
/** Mask tints in the slice views: the current run's, and the run before a retry (as its surface). */
export const MASK_TINT: [number, number, number] = [70, 140, 255]
export const BEFORE_TINT: [number, number, number] = [255, 150, 50]

export type PresetName = 'lungs' | 'bone' | 'soft'

export interface Preset {
  name: PresetName
  label: string
  /** [HU, r, g, b] control points (0..1). */
  colour: Array<[number, number, number, number]>
  /** [HU, opacity] control points. */
  opacity: Array<[number, number]>
  /** Window for the slice views, HU. */
  window: { width: number; level: number }
}

export const PRESETS: Record<PresetName, Preset> = {
  // Air and parenchyma translucent, the rest nearly clear: the lungs as the seed's 3D plot shows them.
  lungs: {
    name: 'lungs',
    label: 'Lungs',
    colour: [
      [-1000, 0.3, 0.3, 0.35],
      [-900, 0.55, 0.75, 0.95],
      [-600, 0.95, 0.7, 0.65],
      [-200, 0.8, 0.45, 0.4],
      [400, 1, 1, 0.95],
      [3000, 1, 1, 1],
    ],
    opacity: [
      [-1024, 0],
      [-960, 0],
      [-880, 0.035],
      [-600, 0.06],
      [-420, 0],
      [300, 0],
      [500, 0.12],
      [3000, 0.3],
    ],
    window: { width: 1400, level: -300 },
  },
  // The tutorial's plot_3d(pix_resampled, 400): everything at or above 400 HU.
  bone: {
    name: 'bone',
    label: 'Bone',
    colour: [
      [300, 0.85, 0.75, 0.6],
      [700, 0.95, 0.9, 0.8],
      [3000, 1, 1, 1],
    ],
    opacity: [
      [-1024, 0],
      [380, 0],
      [420, 0.5],
      [1200, 0.85],
      [3000, 0.95],
    ],
    window: { width: 1800, level: 400 },
  },
  soft: {
    name: 'soft',
    label: 'Soft tissue',
    colour: [
      [-200, 0.55, 0.3, 0.25],
      [40, 0.85, 0.5, 0.4],
      [150, 0.95, 0.75, 0.6],
      [500, 1, 1, 0.95],
    ],
    opacity: [
      [-1024, 0],
      [-250, 0],
      [-80, 0.04],
      [60, 0.12],
      [250, 0.18],
      [600, 0.4],
      [3000, 0.6],
    ],
    window: { width: 400, level: 40 },
  },
}

export const PRESET_ORDER: PresetName[] = ['lungs', 'bone', 'soft']

/** Window presets for the slice views alone (the volume keeps its preset). */
export const WINDOWS = [
  { label: 'Lung', width: 1400, level: -300 },
  { label: 'Mediastinum', width: 400, level: 40 },
  { label: 'Bone', width: 1800, level: 400 },
] as const
