/**
 * The output grid of "resample to isotropic spacing" (pipeline.md step 3): the output shape, the
 * zoom factor handed to the interpolator, and the spacing of the result.
 *
 * The tutorial, with the numpy dtypes it ends up with (checked against Debian's numpy 1.24):
 * ```
 * spacing       = np.array([thickness] + PixelSpacing, dtype=np.float32)  # 0.7 → 0.699999988
 * resize_factor = spacing / new_spacing        # float32 / list of ints → float64
 * new_shape     = np.round(shape * resize_factor)                        # half to even
 * real_factor   = new_shape / shape            # float64
 * new_spacing   = spacing / real_factor        # float64: what the tutorial reports
 * ```
 * Arithmetic on float64 numbers in JS is the same IEEE arithmetic numpy does, so seed mode is
 * bit-identical to the tutorial once the spacing has been through float32 (Math.fround).
 */
import type { Vec3 } from '../../shared/api'
import { CuratorError } from '../../shared/errors'

export type ResampleMode = 'seed' | 'robust'

export interface ResampleGrid {
  /** [z, y, x] voxels of the resampled volume: `round(shape · spacing / newSpacing)`. */
  outShape: Vec3
  /** `outShape / shape`, the factor the tutorial passes to `scipy.ndimage.zoom`. */
  realFactor: Vec3
  /** `spacing / realFactor`: what the tutorial returns as the new spacing (mm). */
  tutorialSpacing: Vec3
  /**
   * Spacing of the grid the interpolator really samples (mm). Zoom aligns the corner voxels, so
   * output `o` sits at input `o·(n_in − 1)/(n_out − 1)` and the spacing is
   * `(n_in − 1)·s/(n_out − 1)`: 0.971 mm rather than 1.0 mm in z on an 8 mm, 30-slice series.
   * Where an axis has a single voxel before or after there is no grid to measure and this is
   * `tutorialSpacing`.
   */
  trueSpacing: Vec3
  /** The spacing the mode reports: `tutorialSpacing` in seed mode, `trueSpacing` in robust mode. */
  reportedSpacing: Vec3
}

/** numpy's `np.round` / `np.rint`: to nearest, ties to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x)
  // Math.round sends ties up; numpy sends them to the even neighbour.
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r
}

/**
 * @param shape    input voxels [z, y, x]
 * @param spacing  input spacing [z, y, x] in mm: [slice thickness, row spacing, column spacing]
 * @param newSpacing target spacing in mm. @default [1, 1, 1]
 * @param mode seed: the tutorial's float32 spacing and reported spacing; robust: float64 spacing
 *   (the float32 cast is an accident of the tutorial) and the true grid spacing reported.
 *   @default 'robust'
 */
export function resampleGrid(
  shape: readonly number[],
  spacing: readonly number[],
  newSpacing: readonly number[] = [1, 1, 1],
  mode: ResampleMode = 'robust',
): ResampleGrid {
  if (shape.length !== 3 || spacing.length !== 3 || newSpacing.length !== 3)
    throw new CuratorError('BAD_ARGUMENT', 'resampleGrid: shape, spacing and newSpacing need 3 values ([z, y, x])')
  if (!shape.every((n) => Number.isInteger(n) && n >= 1))
    throw new CuratorError('BAD_ARGUMENT', `resampleGrid: shape [${shape.join(', ')}] must be positive integers`)
  if (![...spacing, ...newSpacing].every((s) => Number.isFinite(s) && s > 0))
    throw new CuratorError('BAD_ARGUMENT', 'resampleGrid: spacings must be finite and positive (mm)')

  const outShape: Vec3 = [0, 0, 0]
  const realFactor: Vec3 = [0, 0, 0]
  const tutorialSpacing: Vec3 = [0, 0, 0]
  const trueSpacing: Vec3 = [0, 0, 0]
  for (let a = 0; a < 3; a++) {
    const n = shape[a]!
    const s = mode === 'seed' ? Math.fround(spacing[a]!) : spacing[a]!
    const resize = s / newSpacing[a]!
    // In seed mode an axis may round to 0 voxels, as the tutorial would; the zoom refuses that.
    // Robust mode keeps at least one voxel.
    const m = mode === 'seed' ? roundHalfEven(n * resize) : Math.max(1, roundHalfEven(n * resize))
    const real = m / n
    const tutorial = s / real
    outShape[a] = m
    realFactor[a] = real
    tutorialSpacing[a] = tutorial
    trueSpacing[a] = n > 1 && m > 1 ? ((n - 1) * s) / (m - 1) : tutorial
  }
  return {
    outShape,
    realFactor,
    tutorialSpacing,
    trueSpacing,
    reportedSpacing: mode === 'seed' ? [...tutorialSpacing] : [...trueSpacing],
  }
}
