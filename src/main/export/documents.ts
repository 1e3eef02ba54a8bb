/**
 * The dataset's documents: manifest.csv / manifest.json (one row per case), dataset.json
 * (statistics, and nnU-Net's fields with that layout), MONAI's datalist and load_example.py.
 * Pure: rows in, bytes out. No timestamps, no paths of this machine, nothing from a source
 * header, keys in a fixed order — the same export gives the same bytes.
 */
import type { ExportFormat, ExportInclude, ExportLayout, ReviewStatus, Vec3 } from '../../shared/api'
import { NORM_MAX_HU, NORM_MIN_HU, type HuCounts } from './normalize'

export interface ExportOptions {
  include: ExportInclude
  formats: ExportFormat[]
  layout: ExportLayout
  dilateMm: number
  normalized: boolean
}

export interface ManifestRow {
  id: string
  /** [z, y, x] voxels. */
  shape: Vec3
  /** [z, y, x] mm: the grid the resampled voxels sit on. */
  spacing: Vec3
  /** Fraction of voxels in the exported lung mask (after any dilation). */
  maskFraction: number
  /** Lung volume of the run's mask (before any dilation), mL. */
  lungVolumeMl: number | null
  flags: string[]
  review: ReviewStatus
  reviewNote: string | null
  mode: string
  closingMm: number
  /** HMAC of the source SeriesInstanceUID with this database's secret. */
  seriesHash: string
  /** The CT Curator version that computed the run. */
  runVersion: string | null
  /** true when the source had no orientation or position and the affine assumed one. */
  affineAssumed: boolean
  /** Files of this case, relative to the dataset folder. */
  files: Record<string, string>
}

const round = (x: number, digits = 6): number => Number(x.toFixed(digits))

/** Where each file of a case goes in a layout. */
export function casePaths(name: string, o: ExportOptions): Record<string, string> {
  const files: Record<string, string> = {}
  const dir = `cases/${name}`
  if (o.formats.includes('npy')) {
    files.ct = `${dir}/ct.npy`
    files.lung = `${dir}/lung.npy`
    if (o.normalized) files.ctNorm = `${dir}/ct_norm.npy`
  }
  if (o.formats.includes('nifti')) {
    if (o.layout === 'nnunet') {
      files.ctNifti = `imagesTr/${name}_0000.nii.gz`
      files.lungNifti = `labelsTr/${name}.nii.gz`
    } else {
      files.ctNifti = `${dir}/ct.nii.gz`
      files.lungNifti = `${dir}/lung.nii.gz`
    }
  }
  if (o.normalized && !o.formats.includes('npy')) files.ctNorm = `${dir}/ct_norm.npy`
  return files
}

const CSV_COLUMNS = [
  'id',
  'shape_z',
  'shape_y',
  'shape_x',
  'spacing_z',
  'spacing_y',
  'spacing_x',
  'mask_fraction',
  'lung_volume_ml',
  'flags',
  'review',
  'review_note',
  'mode',
  'closing_mm',
  'series_hash',
  'run_version',
  'affine_assumed',
  'ct',
  'lung',
] as const

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function manifestCsv(rows: ManifestRow[]): string {
  const lines = [CSV_COLUMNS.join(',')]
  for (const r of rows) {
    const values = [
      r.id,
      ...r.shape,
      ...r.spacing.map((s) => round(s)),
      round(r.maskFraction),
      r.lungVolumeMl === null ? null : round(r.lungVolumeMl, 3),
      r.flags.join(';'),
      r.review,
      r.reviewNote,
      r.mode,
      r.closingMm,
      r.seriesHash,
      r.runVersion,
      r.affineAssumed,
      r.files.ct ?? r.files.ctNifti,
      r.files.lung ?? r.files.lungNifti,
    ]
    lines.push(values.map(csvField).join(','))
  }
  return lines.join('\n') + '\n'
}

export function manifestJson(rows: ManifestRow[], o: ExportOptions, version: string): string {
  const cases = rows.map((r) => ({ ...r, spacing: r.spacing.map((s) => round(s)), maskFraction: round(r.maskFraction) }))
  return JSON.stringify({ software: 'ct-curator', version, options: o, cases }, null, 2) + '\n'
}

export interface DatasetStats {
  rows: ManifestRow[]
  counts: HuCounts
  pixelMean: number
}

export function datasetJson(s: DatasetStats, o: ExportOptions, version: string): string {
  const byFlag: Record<string, number> = {}
  const byReview: Record<string, number> = {}
  for (const r of s.rows) {
    for (const f of r.flags) byFlag[f] = (byFlag[f] ?? 0) + 1
    byReview[r.review] = (byReview[r.review] ?? 0) + 1
  }
  const sortKeys = (m: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)))
  const ours = {
    description: 'Chest CT resampled to ~1 mm with lung masks, exported by CT Curator. Identifiers removed; case ids are pseudonyms.',
    software: { name: 'ct-curator', version },
    options: o,
    numCases: s.rows.length,
    voxels: s.counts.total,
    normalization: {
      formula: 'clip((hu - minHu) / (maxHu - minHu), 0, 1) - pixelMean',
      minHu: NORM_MIN_HU,
      maxHu: NORM_MAX_HU,
      pixelMean: round(s.pixelMean, 9),
    },
    huHistogram: { binWidthHu: 20, ...s.counts.binned(-1020, 3080, 20) },
    flagCounts: sortKeys(byFlag),
    reviewCounts: sortKeys(byReview),
  }
  if (o.layout !== 'nnunet') return JSON.stringify(ours, null, 2) + '\n'
  // nnU-Net v2's dataset.json: its required fields first; extra keys are ignored by nnU-Net.
  const nnunet = {
    channel_names: { '0': 'CT' },
    labels: { background: 0, lung: 1 },
    numTraining: s.rows.length,
    file_ending: '.nii.gz',
    name: 'CTCuratorLungs',
  }
  return JSON.stringify({ ...nnunet, ...ours }, null, 2) + '\n'
}

/** MONAI's datalist: `monai.data.load_decathlon_datalist(path, data_list_key="training")`. */
export function monaiDatalist(rows: ManifestRow[]): string {
  const training = rows.map((r) => ({ image: r.files.ctNifti ?? r.files.ct, label: r.files.lungNifti ?? r.files.lung, id: r.id }))
  return JSON.stringify({ training }, null, 2) + '\n'
}

/** A script a trainer can run as it is: loads one case, normalises it online like ct_norm.npy. */
export const LOAD_EXAMPLE_PY = `#!/usr/bin/env python3
"""Load one case of this CT Curator export and normalise it the way ct_norm.npy is.

    python3 load_example.py            # the first case
    python3 load_example.py case_...   # a given case

Needs numpy; nibabel for the .nii.gz files. Every case is listed in manifest.json with its files.
"""
import json
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
manifest = json.load(open(os.path.join(here, "manifest.json")))
dataset = json.load(open(os.path.join(here, "dataset.json")))
norm = dataset["normalization"]


def normalize(hu):
    """The tutorial's normalize + zero_center, with this dataset's own pixel mean."""
    x = (hu.astype(np.float32) - norm["minHu"]) / (norm["maxHu"] - norm["minHu"])
    return np.clip(x, 0.0, 1.0) - np.float32(norm["pixelMean"])


cases = {c["id"]: c for c in manifest["cases"]}
case = cases[sys.argv[1]] if len(sys.argv) > 1 else manifest["cases"][0]
files = case["files"]

if "ct" in files:  # [z, y, x], int16 HU and uint8 0/1, as the pipeline computed them
    ct = np.load(os.path.join(here, files["ct"]))
    lung = np.load(os.path.join(here, files["lung"]))
else:  # NIfTI stores x fastest: nibabel's array is [x, y, z]; transpose to [z, y, x]
    import nibabel as nib
    ct = np.asanyarray(nib.load(os.path.join(here, files["ctNifti"])).dataobj).T
    lung = np.asanyarray(nib.load(os.path.join(here, files["lungNifti"])).dataobj).T

x = normalize(ct)
print(f"{case['id']}: ct {ct.shape} {ct.dtype}, lung {int(lung.sum())} voxels "
      f"({100 * lung.mean():.1f} %), spacing {case['spacing']} mm, "
      f"normalised mean {float(x.mean()):+.4f} (dataset pixel mean {norm['pixelMean']:.4f})")

if "ctNifti" in files:
    import nibabel as nib
    img = nib.load(os.path.join(here, files["ctNifti"]))
    print("NIfTI affine (voxel -> RAS mm):")
    print(np.array2string(img.affine, precision=3, suppress_small=True))
`
