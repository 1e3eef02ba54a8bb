/**
 * NIfTI-1 single-file header (`.nii`): 348 bytes, then 4 bytes saying "no extensions", then the
 * voxels at offset 352, x fastest — which is the memory order of a C-order `[z, y, x]` volume,
 * so the data is written as it is. Little endian, as every platform Node runs on.
 * https://nifti.nimh.nih.gov/pub/dist/src/niftilib/nifti1.h
 *
 * Nothing from the source header goes in here: `descrip`, `aux_file`, `intent_name` and the
 * other free-text fields are left empty (de-identification), apart from the writing software.
 */
import type { Vec3 } from '../../shared/api'
import type { Affine } from './affine'

export const NIFTI_HEADER_BYTES = 348
/** Header plus the 4-byte extension flag: where the voxels start. */
export const NIFTI_VOX_OFFSET = 352

export type NiftiDtype = 'int16' | 'uint8' | 'float32'
const DATATYPE: Record<NiftiDtype, [code: number, bitpix: number]> = { uint8: [2, 8], int16: [4, 16], float32: [16, 32] }

/** NIFTI_XFORM_SCANNER_ANAT: coordinates of the scanner, as dcm2niix writes them. */
const XFORM_SCANNER_ANAT = 1
/** NIFTI_UNITS_MM | NIFTI_UNITS_SEC. */
const UNITS_MM_SEC = 2 | 8

export interface NiftiHeaderOptions {
  dtype: NiftiDtype
  /** Volume shape [z, y, x]. */
  shape: Vec3
  affine: Affine
  /** Up to 79 ASCII characters; must not carry anything from the source. @default '' */
  descrip?: string
  /** NIFTI_INTENT_LABEL (1002) for a label map. @default 0 */
  intentCode?: number
}

function ascii(view: DataView, offset: number, size: number, text: string): void {
  if (!/^[\x20-\x7e]*$/.test(text) || text.length >= size) throw new Error(`NIfTI text field too long or not ASCII: ${JSON.stringify(text)}`)
  for (let i = 0; i < text.length; i++) view.setUint8(offset + i, text.charCodeAt(i))
}

/** The 352 bytes before the voxels: header and an empty extension flag. */
export function niftiHeader(o: NiftiHeaderOptions): Uint8Array {
  const bytes = new Uint8Array(NIFTI_VOX_OFFSET)
  const v = new DataView(bytes.buffer)
  const le = true
  const [nz, ny, nx] = o.shape
  const [code, bitpix] = DATATYPE[o.dtype]
  v.setInt32(0, NIFTI_HEADER_BYTES, le)
  v.setUint8(38, 'r'.charCodeAt(0)) // "regular": what Analyze readers expect
  const dim = [3, nx, ny, nz, 1, 1, 1, 1]
  dim.forEach((d, i) => v.setInt16(40 + 2 * i, d, le))
  v.setInt16(68, o.intentCode ?? 0, le)
  v.setInt16(70, code, le)
  v.setInt16(72, bitpix, le)
  const q = o.affine.qform
  // pixdim[1..3] go with the quaternion (readers that use the qform scale its rotation by them).
  const pixdim = [q.qfac, q.pixdim[0], q.pixdim[1], q.pixdim[2], 0, 0, 0, 0]
  pixdim.forEach((p, i) => v.setFloat32(76 + 4 * i, p, le))
  v.setFloat32(108, NIFTI_VOX_OFFSET, le)
  // Values are stored as they are (HU, 0/1): slope 1, intercept 0.
  v.setFloat32(112, 1, le)
  v.setFloat32(116, 0, le)
  v.setUint8(123, UNITS_MM_SEC)
  ascii(v, 148, 80, o.descrip ?? '')
  v.setInt16(252, XFORM_SCANNER_ANAT, le)
  v.setInt16(254, XFORM_SCANNER_ANAT, le)
  v.setFloat32(256, q.b, le)
  v.setFloat32(260, q.c, le)
  v.setFloat32(264, q.d, le)
  q.offset.forEach((x, i) => v.setFloat32(268 + 4 * i, x, le))
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) v.setFloat32(280 + 16 * r + 4 * c, o.affine.sform[r]![c]!, le)
  ascii(v, 344, 4, 'n+1')
  // bytes 348–351: extension flag 0 (no extensions)
  return bytes
}
