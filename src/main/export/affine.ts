/**
 * Where an exported volume sits in the patient: the voxel → world matrix of a resampled
 * `[z, y, x]` volume, in NIfTI's RAS+ convention, from the source series' DICOM geometry.
 *
 * DICOM positions are LPS+ (x to the patient's left, y to the back, z to the head); NIfTI's
 * scanner space is RAS+, so the x and y rows of the DICOM matrix change sign and z does not.
 * The volume is stored x fastest, so NIfTI's i, j, k are the volume's x, y, z: i walks along
 * ImageOrientationPatient's row cosines (one step per column), j along its column cosines (one
 * step per row), k from the first slice of the volume to the last.
 *
 * The resampler aligns the corner voxels (scipy's `zoom`): output voxel 0 and the last output
 * voxel sit on the first and last source voxels, so the first slice's ImagePositionPatient is
 * the origin and the grid step is `(n_in − 1)·s / (n_out − 1)` along each axis. Along k the step
 * comes from the first and last slice positions themselves, so a stack whose slices are not
 * exactly `spacing` apart, or are sheared (gantry tilt), is still placed where it was scanned.
 */
import type { Vec3 } from '../../shared/api'

export type Mat4 = number[][]

export interface SourceGeometry {
  /** ImageOrientationPatient of the series (row cosines, column cosines); null: axial assumed. */
  iop: readonly number[] | null
  /** ImagePositionPatient of the first slice in volume order (LPS mm); null when unknown. */
  firstIpp: readonly number[] | null
  /** ImagePositionPatient of the last slice in volume order; null when unknown. */
  lastIpp: readonly number[] | null
  /** Source volume [z, y, x] voxels. */
  shape: Vec3
  /** Source spacing [z, y, x] mm (z: the slice spacing the series was resampled with). */
  spacing: Vec3
}

export interface Affine {
  /** 4×4 voxel (i = x, j = y, k = z) → RAS+ mm. */
  sform: Mat4
  /** The same placement as a rotation, voxel sizes and offset (what the qform can hold). */
  qform: Quatern
  /** Voxel sizes along i, j, k (mm): the lengths of the sform's columns. */
  pixdim: [number, number, number]
  /** true when orientation or position were missing and a default was assumed. */
  assumed: boolean
}

export interface Quatern {
  b: number
  c: number
  d: number
  /** qoffset x, y, z (RAS mm). */
  offset: [number, number, number]
  /** ±1: −1 when the voxel axes form a left-handed frame. */
  qfac: 1 | -1
  /** Voxel sizes along i, j, k used with the rotation. */
  pixdim: [number, number, number]
}

const cross = (a: readonly number[], b: readonly number[]): number[] => [
  a[1]! * b[2]! - a[2]! * b[1]!,
  a[2]! * b[0]! - a[0]! * b[2]!,
  a[0]! * b[1]! - a[1]! * b[0]!,
]
const dot = (a: readonly number[], b: readonly number[]): number => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!
const len = (a: readonly number[]): number => Math.sqrt(dot(a, a))
const unit = (a: readonly number[]): number[] => {
  const l = len(a)
  return l > 0 ? a.map((v) => v / l) : [...a]
}

/** Grid step of a corner-aligned resampling from n_in voxels of size s to n_out voxels. */
export function gridStep(nIn: number, s: number, nOut: number): number {
  if (nIn > 1 && nOut > 1) return ((nIn - 1) * s) / (nOut - 1)
  return (nIn * s) / Math.max(1, nOut)
}

/** The resampled volume's affine (RAS+, voxel order x, y, z) from the source geometry. */
export function resampledAffine(src: SourceGeometry, outShape: Vec3): Affine {
  let assumed = false
  let row: number[] = [1, 0, 0]
  let col: number[] = [0, 1, 0]
  if (src.iop && src.iop.length === 6 && len(cross(src.iop.slice(0, 3), src.iop.slice(3, 6))) > 1e-6) {
    row = unit(src.iop.slice(0, 3))
    col = unit(src.iop.slice(3, 6))
  } else assumed = true
  const normal = unit(cross(row, col))
  const [nzIn, nyIn, nxIn] = src.shape
  const [nzOut, nyOut, nxOut] = outShape
  const sx = gridStep(nxIn, src.spacing[2], nxOut)
  const sy = gridStep(nyIn, src.spacing[1], nyOut)
  let kStep: number[]
  if (src.firstIpp && src.lastIpp && nzIn > 1 && nzOut > 1 && len(sub(src.lastIpp, src.firstIpp)) > 1e-6) {
    kStep = sub(src.lastIpp, src.firstIpp).map((v) => v / (nzOut - 1))
  } else {
    if (nzIn > 1 && !(src.firstIpp && src.lastIpp)) assumed = true
    kStep = normal.map((v) => v * gridStep(nzIn, src.spacing[0], nzOut))
  }
  const origin = src.firstIpp ? [...src.firstIpp] : [0, 0, 0]
  if (!src.firstIpp) assumed = true
  const ci = row.map((v) => v * sx)
  const cj = col.map((v) => v * sy)
  // LPS → RAS: negate the x and y rows.
  const flip = [-1, -1, 1]
  const sform = [0, 1, 2].map((r) => [flip[r]! * ci[r]!, flip[r]! * cj[r]!, flip[r]! * kStep[r]!, flip[r]! * origin[r]!]) as Mat4
  sform.push([0, 0, 0, 1])
  const pixdim: [number, number, number] = [sx, sy, len(kStep)]
  return { sform, qform: toQuatern(sform), pixdim, assumed }
}

function sub(a: readonly number[], b: readonly number[]): number[] {
  return [a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!]
}

/**
 * The qform of a 4×4 affine, as `nifti_mat44_to_quatern` computes it (nifti1_io.c): voxel sizes
 * are the column lengths, the rotation is the nearest proper rotation of the unit columns, and
 * a left-handed frame is expressed with qfac = −1 (the third column negated). A sheared frame
 * (gantry tilt) is orthogonalised here — the sform keeps the exact shear.
 */
export function toQuatern(m: Mat4): Quatern {
  const cols = [0, 1, 2].map((c) => [m[0]![c]!, m[1]![c]!, m[2]![c]!])
  const pixdim = cols.map(len) as [number, number, number]
  // Gram–Schmidt in i, j order, then k as their cross product with k's sign: the nearest frame
  // that keeps the in-plane axes (which DICOM guarantees orthogonal) exactly.
  const u1 = unit(cols[0]!)
  const u2 = unit(sub(cols[1]!, u1.map((v) => v * dot(cols[1]!, u1))))
  let u3 = cross(u1, u2)
  let qfac: 1 | -1 = 1
  if (dot(u3, cols[2]!) < 0) {
    qfac = -1
    u3 = u3.map((v) => -v)
  }
  // R with columns u1, u2, and qfac·u3 made proper (det +1).
  const r3 = qfac === 1 ? u3 : u3.map((v) => -v)
  const r11 = u1[0]!, r21 = u1[1]!, r31 = u1[2]!
  const r12 = u2[0]!, r22 = u2[1]!, r32 = u2[2]!
  const r13 = r3[0]!, r23 = r3[1]!, r33 = r3[2]!
  let a = r11 + r22 + r33 + 1
  let b: number, c: number, d: number
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a)
    b = (0.25 * (r32 - r23)) / a
    c = (0.25 * (r13 - r31)) / a
    d = (0.25 * (r21 - r12)) / a
  } else {
    const xd = 1 + r11 - (r22 + r33)
    const yd = 1 + r22 - (r11 + r33)
    const zd = 1 + r33 - (r11 + r22)
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd)
      c = (0.25 * (r12 + r21)) / b
      d = (0.25 * (r13 + r31)) / b
      a = (0.25 * (r32 - r23)) / b
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd)
      b = (0.25 * (r12 + r21)) / c
      d = (0.25 * (r23 + r32)) / c
      a = (0.25 * (r13 - r31)) / c
    } else {
      d = 0.5 * Math.sqrt(zd)
      b = (0.25 * (r13 + r31)) / d
      c = (0.25 * (r23 + r32)) / d
      a = (0.25 * (r21 - r12)) / d
    }
    if (a < 0) {
      b = -b
      c = -c
      d = -d
    }
  }
  // The k voxel size is the slice step's component along the frame's normal: what a reader that
  // ignores the sform's shear should step by.
  pixdim[2] = Math.abs(dot(cols[2]!, u3))
  return { b, c, d, offset: [m[0]![3]!, m[1]![3]!, m[2]![3]!], qfac, pixdim }
}

/** The 4×4 matrix a qform stands for (as nibabel's `get_qform` builds it), for tests and checks. */
export function quaternToMat4(q: Quatern): Mat4 {
  const { b, c, d } = q
  const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)))
  const R = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ]
  const s = [q.pixdim[0], q.pixdim[1], q.pixdim[2] * q.qfac]
  return [
    [R[0]![0]! * s[0]!, R[0]![1]! * s[1]!, R[0]![2]! * s[2]!, q.offset[0]],
    [R[1]![0]! * s[0]!, R[1]![1]! * s[1]!, R[1]![2]! * s[2]!, q.offset[1]],
    [R[2]![0]! * s[0]!, R[2]![1]! * s[1]!, R[2]![2]! * s[2]!, q.offset[2]],
    [0, 0, 0, 1],
  ]
}
