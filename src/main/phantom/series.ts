/**
 * writePhantomSeries: a phantom as a folder of DICOM files, with the file-level knobs applied
 * (naming, write order, truncated files, junk files). Instance 1 is the top (most superior)
 * slice, as a head-first scan numbers them; ImagePositionPatient z therefore decreases with
 * InstanceNumber, and volume slice k is instance `slices − k`.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeSliceFile, type SeriesHeader } from './dataset'
import { generateResolved, type PhantomVolume } from './generate'
import { junkFile } from './junk'
import { type PhantomOptions, type ResolvedOptions, resolveOptions } from './options'
import { Rng, deriveSeed } from './prng'
import { encodeSlice, storageInfo } from './storage'
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, UidSource } from './uid'

export interface PhantomSeriesResult {
  /** Complete DICOM files, in InstanceNumber order. */
  files: string[]
  /** Non-DICOM files written next to them. */
  junk: string[]
  /** DICOM files cut short (not in `files`). */
  truncated: string[]
  /** Volume slice indices (ascending z) whose files were truncated. */
  truncatedSlices: number[]
  volume: PhantomVolume
}

function fileNames(o: ResolvedOptions, sopUids: string[], rng: Rng): string[] {
  if (o.fileNaming === 'uid') return sopUids.map((u) => `${u}.dcm`)
  if (o.fileNaming === 'ordered') return sopUids.map((_, n) => `IM-0001-${String(n + 1).padStart(4, '0')}.dcm`)
  const used = new Set<string>()
  return sopUids.map(() => {
    for (;;) {
      const base = rng.hex(8 + rng.int(9))
      const pick = rng.int(6)
      const name = pick < 2 ? base : pick === 2 ? `${base.toUpperCase()}.DCM` : `${base}.dcm`
      if (!used.has(name.toLowerCase())) {
        used.add(name.toLowerCase())
        return name
      }
    }
  })
}

function timeOfDay(seed: number, label: string, minutesAfter = 0): string {
  const h = deriveSeed(seed, label)
  const seconds = (8 * 3600 + (h % (9 * 3600)) + minutesAfter * 60) % 86400
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${pad(Math.floor(seconds / 3600))}${pad(Math.floor(seconds / 60) % 60)}${pad(seconds % 60)}`
}

export async function writePhantomSeries(dir: string, opts: PhantomOptions): Promise<PhantomSeriesResult> {
  const o = resolveOptions(opts)
  const volume = generateResolved(o)
  const info = storageInfo(o)
  const [slices, rows, cols] = volume.shape
  // Seeded by every resolved option: reproducible, yet two different phantoms never share a UID.
  const uids = new UidSource(`ct-curator-phantom|${JSON.stringify(o)}`)
  const header: SeriesHeader = {
    patientId: o.patientId,
    patientName: o.patientName,
    birthDate: o.birthDate,
    patientSex: o.patientSex,
    studyDate: o.studyDate,
    studyTime: timeOfDay(o.seed, 'study'),
    seriesTime: timeOfDay(o.seed, 'study', 4),
    studyUid: uids.next(),
    seriesUid: uids.next(),
    frameOfReferenceUid: uids.next(),
    seriesNumber: 2,
    rows,
    cols,
    pixelSpacing: o.pixelSpacing,
    sliceThickness: o.sliceThickness,
    storage: info,
    declarePadding: o.declarePadding,
    omitSliceLocation: o.omitSliceLocation,
    implementationClassUid: IMPLEMENTATION_CLASS_UID,
    implementationVersionName: IMPLEMENTATION_VERSION_NAME,
  }
  const sopUids = Array.from({ length: slices }, () => uids.next())
  const rng = new Rng(deriveSeed(o.seed, 'files'))
  const names = fileNames(o, sopUids, rng)
  const order = Array.from({ length: slices }, (_, n) => n)
  if (o.shuffleWriteOrder) rng.shuffle(order)
  const truncatedSet = new Set(rng.shuffle(Array.from({ length: slices }, (_, n) => n)).slice(0, o.truncatedFiles))

  await mkdir(dir, { recursive: true })
  const plane = rows * cols
  const files: Array<string | null> = new Array<string | null>(slices).fill(null)
  const truncated: string[] = []
  const truncatedSlices: number[] = []
  for (const n of order) {
    const k = slices - 1 - n
    const pixels = encodeSlice(volume.hu.subarray(k * plane, (k + 1) * plane), volume.fov, info)
    const position: [number, number, number] = [
      volume.origin[0],
      volume.origin[1],
      volume.origin[2] + k * volume.spacing[0],
    ]
    let bytes = encodeSliceFile(header, { sopInstanceUid: sopUids[n]!, instanceNumber: n + 1, position, pixels })
    const path = join(dir, names[n]!)
    if (truncatedSet.has(n)) {
      // Cut inside the pixel data, so the header still parses and the loss is in the image.
      const headerBytes = bytes.length - pixels.byteLength
      bytes = bytes.subarray(0, headerBytes + Math.floor(pixels.byteLength * rng.range(0.2, 0.8)))
      truncated.push(path)
      truncatedSlices.push(k)
    } else {
      files[n] = path
    }
    await writeFile(path, bytes)
  }
  const junk: string[] = []
  for (let n = 0; n < o.junkFiles; n++) {
    const file = junkFile(n, rng, o.patientId)
    const path = join(dir, file.name)
    await writeFile(path, file.bytes)
    junk.push(path)
  }
  return {
    files: files.filter((f): f is string => f !== null),
    junk,
    truncated,
    truncatedSlices: truncatedSlices.sort((a, b) => a - b),
    volume,
  }
}
