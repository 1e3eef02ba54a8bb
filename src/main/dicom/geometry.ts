/**
 * Slice order, spacing and geometry flags of one series. Pure: headers in, order and flags out.
 * Robust mode sorts by position along the slice normal; seed mode reproduces the tutorial
 * (IPP[2] ascending, thickness from the first two slices).
 */
import type { Flag, PipelineMode, Vec3 } from '../../shared/api'
import { CuratorError } from '../../shared/errors'
import { resampleGrid } from '../pipeline/resampleGrid'
import { GEOMETRY_THRESHOLDS, PLAUSIBLE_GEOMETRY, type GeometryThresholds } from './thresholds'
import { isLossyTransferSyntax } from './codecs'
import type { HeaderRecord } from './types'

export type SliceGeom = Pick<
  HeaderRecord,
  | 'ipp'
  | 'iop'
  | 'sliceLocation'
  | 'instanceNumber'
  | 'rows'
  | 'columns'
  | 'pixelSpacing'
  | 'sliceThickness'
  | 'spacingBetweenSlices'
  | 'gantryTilt'
> &
  Partial<Pick<HeaderRecord, 'transferSyntaxUid' | 'lossyImageCompression'>>

export interface Geometry {
  /** Indices into the input, in slice order. */
  order: number[]
  /** [z, y, x] mm. */
  spacing: Vec3
  shape: Vec3
  flags: Flag[]
  /** 'axial' | 'coronal' | 'sagittal' | 'oblique' | 'unknown' */
  orientation: string
  /** Position of each ordered slice along the sort axis (mm). */
  positions: number[]
}

const DEG = 180 / Math.PI
const cross = (a: number[], b: number[]): Vec3 => [
  a[1]! * b[2]! - a[2]! * b[1]!,
  a[2]! * b[0]! - a[0]! * b[2]!,
  a[0]! * b[1]! - a[1]! * b[0]!,
]
const dot = (a: number[], b: number[]): number => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!
const norm = (a: number[]): number => Math.sqrt(dot(a, a))

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

const flag = (code: string, value: Flag['value'], threshold: Flag['threshold'], message: string): Flag => ({
  code,
  value,
  threshold,
  message,
})
const r3 = (x: number): number => Math.round(x * 1000) / 1000

/** Row and column cosines of unit length (±1 %) and perpendicular (±1°). */
function validIop(iop: number[]): boolean {
  const r = iop.slice(0, 3)
  const c = iop.slice(3, 6)
  return Math.abs(norm(r) - 1) < 0.01 && Math.abs(norm(c) - 1) < 0.01 && Math.abs(dot(r, c)) < Math.sin(1 / DEG)
}

function orientationName(normal: Vec3 | null): string {
  if (!normal) return 'unknown'
  const a = normal.map(Math.abs)
  const i = a.indexOf(Math.max(...a))
  if (a[i]! < Math.cos(10 / DEG)) return 'oblique'
  return ['sagittal', 'coronal', 'axial'][i]!
}

/** Most frequent orientation (rounded), so one odd slice does not decide the stack's normal. */
function dominantIop(slices: SliceGeom[]): { iop: number[] | null; mixed: boolean } {
  const counts = new Map<string, { n: number; iop: number[] }>()
  for (const s of slices) {
    if (!s.iop) continue
    const key = s.iop.map((v) => v.toFixed(3)).join(',')
    const c = counts.get(key)
    if (c) c.n++
    else counts.set(key, { n: 1, iop: s.iop })
  }
  let best: { n: number; iop: number[] } | null = null
  for (const c of counts.values()) if (!best || c.n > best.n) best = c
  return { iop: best?.iop ?? null, mixed: counts.size > 1 }
}

export function computeGeometry(
  slices: SliceGeom[],
  mode: PipelineMode = 'robust',
  t: GeometryThresholds = GEOMETRY_THRESHOLDS,
): Geometry {
  const n = slices.length
  const flags: Flag[] = []
  const { iop, mixed } = dominantIop(slices)
  let normal: Vec3 | null = iop ? cross(iop.slice(0, 3), iop.slice(3, 6)) : null
  if (normal && norm(normal) < 1e-6) normal = null
  if (normal) normal = normal.map((v) => v / norm(normal!)) as Vec3
  const allIpp = slices.every((s) => s.ipp !== null)
  const allLoc = slices.every((s) => s.sliceLocation !== null)

  // Sort key and what it was.
  let key: (s: SliceGeom) => number
  let keyName: string
  if (mode === 'seed') {
    // The tutorial: float(IPP[2]); without IPP it would crash, we fall back like its thickness does.
    if (allIpp) {
      key = (s) => s.ipp![2]
      keyName = 'ImagePositionPatient[2]'
    } else if (allLoc) {
      key = (s) => s.sliceLocation!
      keyName = 'SliceLocation'
    } else {
      key = (s) => s.instanceNumber ?? 0
      keyName = 'InstanceNumber'
    }
  } else if (allIpp) {
    const nrm = normal ?? [0, 0, 1]
    key = (s) => dot(s.ipp!, nrm)
    keyName = normal ? 'position along the slice normal' : 'ImagePositionPatient[2]'
  } else if (allLoc) {
    key = (s) => s.sliceLocation!
    keyName = 'SliceLocation'
  } else {
    key = (s) => s.instanceNumber ?? 0
    keyName = 'InstanceNumber'
  }
  if (!allIpp) {
    flags.push(
      flag(
        'missing_position',
        slices.filter((s) => !s.ipp).length,
        0,
        `${slices.filter((s) => !s.ipp).length} of ${n} slices lack ImagePositionPatient; slices were sorted by ${keyName}.`,
      ),
    )
  }
  const keys = slices.map(key)
  // Stable sort (like Python's): ties keep input order.
  const order = keys.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b)
  const positions = order.map((i) => keys[i]!)
  const gaps: number[] = []
  for (let i = 1; i < n; i++) gaps.push(Math.abs(positions[i]! - positions[i - 1]!))

  const first = slices[order[0]!]!
  const ps = first.pixelSpacing ?? [1, 1]
  if (!first.pixelSpacing) flags.push(flag('missing_spacing', null, null, 'PixelSpacing is missing; assumed 1 mm.'))

  let zSpacing: number
  if (mode === 'seed') {
    const a = slices[order[0]!]!
    const b = n > 1 ? slices[order[1]!]! : undefined
    if (b && a.ipp && b.ipp) zSpacing = Math.abs(a.ipp[2] - b.ipp[2])
    else if (b && a.sliceLocation !== null && b.sliceLocation !== null) zSpacing = Math.abs(a.sliceLocation - b.sliceLocation)
    else zSpacing = a.sliceThickness ?? a.spacingBetweenSlices ?? 1
  } else {
    const nz = gaps.filter((g) => g > t.duplicateMm)
    zSpacing = nz.length ? median(nz) : (first.spacingBetweenSlices ?? first.sliceThickness ?? 1)
  }
  if (!(zSpacing > 0)) zSpacing = first.sliceThickness ?? 1

  // Flags (both modes judge the same stack; seed mode's spacing is reported as the tutorial's).
  const med = median(gaps.filter((g) => g > t.duplicateMm))
  const dups = gaps.filter((g) => g <= t.duplicateMm).length
  if (dups > 0) {
    flags.push(flag('duplicate_positions', dups, 0, `${dups} slice pairs share a position (±${t.duplicateMm} mm): duplicated or mixed acquisitions.`))
  }
  if (Number.isFinite(med) && med > 0) {
    const big = gaps.filter((g) => g > t.gapFactor * med)
    if (big.length) {
      const missing = big.reduce((s, g) => s + Math.max(1, Math.round(g / med) - 1), 0)
      flags.push(
        flag(
          'slice_gap',
          r3(Math.max(...big)),
          r3(t.gapFactor * med),
          `${big.length} gap(s) up to ${r3(Math.max(...big))} mm against a median of ${r3(med)} mm: about ${missing} slice(s) missing.`,
        ),
      )
    }
    const dev = Math.max(0, ...gaps.filter((g) => g > t.duplicateMm).map((g) => Math.abs(g - med) / med))
    if (dev > t.variableSpacing) {
      flags.push(
        flag('variable_spacing', r3(dev), t.variableSpacing, `Slice gaps vary by up to ${Math.round(dev * 100)} % of the median ${r3(med)} mm.`),
      )
    }
  }
  const degenerate = slices.find((s) => s.iop && !validIop(s.iop))
  if (degenerate) {
    flags.push(
      flag(
        'invalid_orientation',
        degenerate.iop!.join('\\'),
        null,
        `ImageOrientationPatient ${degenerate.iop!.join('\\')} is not two perpendicular unit vectors; slices were sorted by ${keyName}.`,
      ),
    )
  }
  const lossy = slices.find((s) => (s.transferSyntaxUid && isLossyTransferSyntax(s.transferSyntaxUid)) || s.lossyImageCompression)
  if (lossy) {
    const ts = lossy.transferSyntaxUid ?? ''
    flags.push(
      flag(
        'lossy_compression',
        ts,
        null,
        isLossyTransferSyntax(ts)
          ? `Pixels are lossy-compressed (transfer syntax ${ts}): HU are approximate.`
          : `Pixels were lossy-compressed before (LossyImageCompression 01, now ${ts}): HU are approximate.`,
      ),
    )
  }
  if (mixed) flags.push(flag('mixed_orientation', true, null, 'Slices have different ImageOrientationPatient values.'))
  const sizes = new Set(slices.map((s) => `${s.rows}x${s.columns}`))
  const spacings = new Set(slices.map((s) => (s.pixelSpacing ? s.pixelSpacing.map((v) => v.toFixed(4)).join('x') : '-')))
  if (sizes.size > 1 || spacings.size > 1) {
    flags.push(flag('mixed_size', [...sizes].join(', '), null, `Slices differ in size or pixel spacing (${[...sizes].join(', ')}).`))
  }
  if (normal) {
    const axialAngle = Math.acos(Math.min(1, Math.abs(normal[2]))) * DEG
    if (axialAngle > t.nonAxialDeg) {
      flags.push(flag('non_axial', r3(axialAngle), t.nonAxialDeg, `Slices are ${orientationName(normal)} (normal ${r3(axialAngle)}° from the body axis), not axial.`))
    }
  }
  let tilt = Math.abs(first.gantryTilt ?? 0)
  if (normal && allIpp && n > 1) {
    const a = slices[order[0]!]!.ipp!
    const b = slices[order[n - 1]!]!.ipp!
    const d = [b[0] - a[0], b[1] - a[1], b[2] - a[2]]
    if (norm(d) > 1e-6) tilt = Math.max(tilt, Math.acos(Math.min(1, Math.abs(dot(d, normal)) / norm(d))) * DEG)
  }
  if (tilt > t.tiltDeg) {
    flags.push(flag('tilt', r3(tilt), t.tiltDeg, `Gantry tilt or sheared stack: ${r3(tilt)}° between the stack direction and the slice normal.`))
  }
  if (n < t.fewSlices) flags.push(flag('few_slices', n, t.fewSlices, `Only ${n} slice(s); a chest CT volume has many more.`))
  if (zSpacing > t.thickSliceMm) {
    flags.push(flag('thick_slices', r3(zSpacing), t.thickSliceMm, `Slices are ${r3(zSpacing)} mm apart: small nodules can fall between them.`))
  }
  const sbs = first.spacingBetweenSlices
  const th = first.sliceThickness
  if (n > 1 && sbs && sbs > 0 && Math.abs(sbs - zSpacing) / zSpacing > t.spacingMismatch) {
    flags.push(flag('spacing_mismatch', r3(zSpacing), r3(sbs), `Header SpacingBetweenSlices ${r3(sbs)} mm but positions are ${r3(zSpacing)} mm apart.`))
  } else if (n > 1 && !sbs && th && th > 0 && Math.abs(th - zSpacing) / th > t.thicknessMismatch) {
    flags.push(flag('spacing_mismatch', r3(zSpacing), r3(th), `Header SliceThickness ${r3(th)} mm but positions are ${r3(zSpacing)} mm apart.`))
  }
  const extent = n > 1 ? Math.abs(positions[n - 1]! - positions[0]!) + zSpacing : zSpacing
  if (extent < t.minCoverageMm) {
    flags.push(flag('incomplete_coverage', r3(extent), t.minCoverageMm, `The scan covers ${r3(extent)} mm along z; a whole chest needs about 250–350 mm.`))
  }
  return {
    order,
    spacing: [zSpacing, ps[0], ps[1]],
    shape: [n, first.rows, first.columns],
    flags,
    orientation: orientationName(normal),
    positions,
  }
}

/**
 * Throws IMPLAUSIBLE_GEOMETRY, naming the value, when the spacing or the 1 mm output the
 * pipeline would allocate cannot come from a real scan (a pixel spacing of 1e4 mm, a 1e5 mm
 * slice gap). Checked before loading, so such a header never reaches the allocator.
 */
export function assertPlausibleGeometry(g: Pick<Geometry, 'spacing' | 'shape'>, mode: PipelineMode = 'robust', lim = PLAUSIBLE_GEOMETRY): void {
  const fail = (what: string): never => {
    throw new CuratorError('IMPLAUSIBLE_GEOMETRY', `Implausible geometry: ${what}. Check the slices' headers (PixelSpacing, ImagePositionPatient, SliceThickness).`)
  }
  const axes = ['slice spacing (z)', 'row spacing (PixelSpacing[0])', 'column spacing (PixelSpacing[1])']
  for (let a = 0; a < 3; a++) {
    const s = g.spacing[a]!
    const max = a === 0 ? lim.maxSliceSpacingMm : lim.maxPixelSpacingMm
    if (!Number.isFinite(s) || s < lim.minSpacingMm || s > max) fail(`${axes[a]} is ${s} mm (plausible: ${lim.minSpacingMm}–${max} mm)`)
    const extent = s * g.shape[a]!
    if (extent > lim.maxExtentMm) fail(`the scan is ${r3(extent)} mm long along ${'zyx'[a]} (${g.shape[a]} × ${r3(s)} mm; at most ${lim.maxExtentMm} mm)`)
  }
  const out = resampleGrid(g.shape, g.spacing, [1, 1, 1], mode).outShape
  const voxels = out[0] * out[1] * out[2]
  if (voxels > lim.maxResampledVoxels) {
    fail(`the 1 mm volume would be ${out.join('×')} = ${voxels} voxels (${Math.round((voxels * 2) / 2 ** 20)} MB; at most ${lim.maxResampledVoxels})`)
  }
}
