/**
 * What the pipeline derives from the resampled volume and its fill mask for review, apart from
 * the statistics: the halved mask, the surfaces and the preview picture. It only reads the two
 * volumes, so a helper thread computes it while the caller measures the flags (helperThread.ts).
 */
import type { SurfaceKind, Vec3 } from '../../shared/api'
import { downsampleMask, halfShape } from './downsample'
import { MASK_FLAG_THRESHOLDS } from './maskStats'
import { type Preview, renderPreview } from './preview'
import { type Mesh, surfaceNets } from './surfaceNets'

export interface AfterSegment {
  /** The fill mask on the 2 mm grid (the viewer's quick level and the lung surface's input). */
  halfMask: Uint8Array
  surfaces: Array<{ kind: SurfaceKind; mesh: Mesh }>
  preview: Preview
}

/**
 * The lung surface on a 2 mm grid (a ~50 k triangle mesh for a chest), and metal — voxels at
 * the metal flag's threshold, any voxel of a coarse cell counting so wires survive — when any.
 * @param maxHu the image's largest value when known (its histogram): most scans hold no metal,
 *   and then the metal surface needs no pass over the volume
 */
export function computeSurfaces(
  image: Int16Array,
  halfFill: Uint8Array,
  shape: Vec3,
  spacing: Vec3,
  maxHu?: number,
): Array<{ kind: SurfaceKind; mesh: Mesh }> {
  const lung = surfaceNets({ mask: halfFill }, halfShape(shape), [spacing[0] * 2, spacing[1] * 2, spacing[2] * 2], {
    step: 1,
    originMm: [spacing[0] / 2, spacing[1] / 2, spacing[2] / 2],
  })
  const out: Array<{ kind: SurfaceKind; mesh: Mesh }> = [{ kind: 'lung', mesh: lung }]
  // One pass: an empty mesh when nothing reaches the threshold.
  const metal = surfaceNets(
    { hu: image, min: MASK_FLAG_THRESHOLDS.metalHu },
    shape,
    spacing,
    {
      anyInside: true,
      smoothIterations: 4,
    },
    maxHu,
  )
  if (metal.triangles.length > 0) out.push({ kind: 'metal', mesh: metal })
  return out
}

export function contourAndPreview(image: Int16Array, fill: Uint8Array, shape: Vec3, spacing: Vec3, maxHu?: number): AfterSegment {
  const halfMask = downsampleMask(fill, shape)
  return {
    halfMask,
    surfaces: computeSurfaces(image, halfMask, shape, spacing, maxHu),
    preview: renderPreview(image, fill, shape, spacing),
  }
}
