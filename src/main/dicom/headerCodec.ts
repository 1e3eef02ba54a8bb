/**
 * How a file's header is stored in `files.header_json`: a JSON array of values in a fixed
 * order, without the key names and without path, size and mtime (the row's own columns).
 * About 430 bytes instead of ~1 KB: rows that size stay inside their b-tree page, where 1 KB
 * rows spilled onto an overflow page each (a 96 MB database for 20,000 slices, 12 MB now) and
 * the first scan of a cohort spent more time writing the index than reading the files.
 * Rows written before this format (a JSON object) still decode.
 */
import type { HeaderRecord } from './types'

/** First element of an encoded header: the layout of the values after it. */
const FORMAT = 1

export function encodeHeader(h: HeaderRecord): string {
  return JSON.stringify([
    FORMAT,
    h.transferSyntaxUid,
    h.sopClassUid,
    h.sopInstanceUid,
    h.studyUid,
    h.seriesUid,
    h.patientId,
    h.patientName,
    h.modality,
    h.imageType,
    h.seriesDescription,
    h.seriesNumber,
    h.manufacturer,
    h.kernel,
    h.acquisitionDate,
    h.rows,
    h.columns,
    h.frames,
    h.bitsAllocated,
    h.bitsStored,
    h.pixelRepresentation,
    h.samplesPerPixel,
    h.photometric,
    h.ipp,
    h.iop,
    h.pixelSpacing,
    h.sliceThickness,
    h.spacingBetweenSlices,
    h.sliceLocation,
    h.instanceNumber,
    h.rescaleSlope,
    h.rescaleIntercept,
    h.pixelPaddingValue,
    h.pixelPaddingRangeLimit,
    h.gantryTilt,
    h.lossyImageCompression ?? null,
    h.defect ?? null,
  ])
}

/**
 * The header stored for the file at `path`: the same object `readHeader` returned when it was
 * indexed (same keys in the same order; optional keys only when set).
 */
export function decodeHeader(json: string, path: string, size: number, mtimeMs: number): HeaderRecord {
  const v = JSON.parse(json) as unknown
  if (!Array.isArray(v)) return v as HeaderRecord
  if (v[0] !== FORMAT) throw new Error(`Stored header of ${path} has format ${String(v[0])}, not ${FORMAT}`)
  const h: HeaderRecord = {
    path,
    size,
    mtimeMs,
    transferSyntaxUid: v[1],
    sopClassUid: v[2],
    sopInstanceUid: v[3],
    studyUid: v[4],
    seriesUid: v[5],
    patientId: v[6],
    patientName: v[7],
    modality: v[8],
    imageType: v[9],
    seriesDescription: v[10],
    seriesNumber: v[11],
    manufacturer: v[12],
    kernel: v[13],
    acquisitionDate: v[14],
    rows: v[15],
    columns: v[16],
    frames: v[17],
    bitsAllocated: v[18],
    bitsStored: v[19],
    pixelRepresentation: v[20],
    samplesPerPixel: v[21],
    photometric: v[22],
    ipp: v[23],
    iop: v[24],
    pixelSpacing: v[25],
    sliceThickness: v[26],
    spacingBetweenSlices: v[27],
    sliceLocation: v[28],
    instanceNumber: v[29],
    rescaleSlope: v[30],
    rescaleIntercept: v[31],
    pixelPaddingValue: v[32],
    pixelPaddingRangeLimit: v[33],
    gantryTilt: v[34],
  }
  if (v[35] !== null && v[35] !== undefined) h.lossyImageCompression = v[35]
  if (v[36] !== null && v[36] !== undefined) h.defect = v[36]
  return h
}
