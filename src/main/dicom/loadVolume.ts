/**
 * Reads a series' pixels into one int16 HU volume `[z][y][x]`, slice by slice, straight into
 * its place: one allocation of the volume, one file buffer at a time.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PipelineMode, Vec3 } from '../../shared/api'
import { CuratorError } from '../../shared/errors'
import { robustSliceHu, seedSliceHu } from '../pipeline/hu'
import { decodeFrame, parseDicom } from './pixelData'
import type { HeaderRecord } from './types'

export interface HuVolume {
  hu: Int16Array
  shape: Vec3
  huMin: number
  huMax: number
  /** Bytes of stored pixel data decoded (for throughput figures). */
  storedBytes: number
}

/**
 * @param root folder the headers' paths are relative to
 * @param ordered headers in the slice order the mode uses
 */
export async function loadHuVolume(root: string, ordered: HeaderRecord[], mode: PipelineMode): Promise<HuVolume> {
  if (ordered.length === 0) throw new CuratorError('NO_SERIES', 'No slices to load.')
  const { rows, columns } = ordered[0]!
  const plane = rows * columns
  const hu = new Int16Array(plane * ordered.length)
  let storedBytes = 0
  for (let z = 0; z < ordered.length; z++) {
    const h = ordered[z]!
    if (h.rows !== rows || h.columns !== columns) {
      throw new CuratorError(
        'DICOM_BAD_HEADER',
        `Cannot stack slices of different sizes: ${h.path} is ${h.rows}×${h.columns}, the first slice ${rows}×${columns}.`,
        h.path,
      )
    }
    let bytes: Uint8Array
    try {
      bytes = readFileSync(join(root, h.path))
    } catch (err) {
      throw new CuratorError('DICOM_UNREADABLE', `Cannot read ${h.path}: ${(err as Error).message}`, h.path)
    }
    let pixels
    try {
      const { dataSet, transferSyntaxUid } = parseDicom(bytes)
      pixels = (await decodeFrame(bytes, dataSet, transferSyntaxUid, 0)).pixels
    } catch (err) {
      if (err instanceof CuratorError) throw new CuratorError(err.code, `${h.path}: ${err.message}`, h.path)
      throw new CuratorError('DICOM_BAD_HEADER', `${h.path}: ${(err as Error).message}`, h.path)
    }
    if (pixels.length < plane) {
      throw new CuratorError('DICOM_TRUNCATED', `${h.path}: decoded ${pixels.length} pixels, expected ${plane}.`, h.path)
    }
    storedBytes += pixels.byteLength
    const out = hu.subarray(z * plane, (z + 1) * plane)
    const src = pixels.length === plane ? pixels : pixels.subarray(0, plane)
    if (mode === 'seed') seedSliceHu(src, out, h.rescaleSlope, h.rescaleIntercept)
    else
      robustSliceHu(src, out, {
        slope: h.rescaleSlope,
        intercept: h.rescaleIntercept,
        paddingValue: h.pixelPaddingValue,
        paddingLimit: h.pixelPaddingRangeLimit,
      })
  }
  let huMin = 32767
  let huMax = -32768
  for (let i = 0; i < hu.length; i++) {
    const v = hu[i]!
    if (v < huMin) huMin = v
    if (v > huMax) huMax = v
  }
  return { hu, shape: [ordered.length, rows, columns], huMin, huMax, storedBytes }
}
