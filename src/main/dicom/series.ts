/**
 * Groups indexed files into patient → study → series and chooses, per patient, the series to
 * process: an original axial CT image volume with the most slices. Every file ends up exactly
 * once either in a series or in the skipped list.
 */
import type { Flag, PipelineMode } from '../../shared/api'
import { computeGeometry } from './geometry'
import type { HeaderRecord, SeriesInfo, SkippedFile } from './types'

const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7'
const dirOf = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '.')

function commonDir(paths: string[]): string {
  const dirs = paths.map((p) => dirOf(p).split('/'))
  let k = 0
  while (dirs.every((d) => d[k] !== undefined && d[k] === dirs[0]![k])) k++
  return k === 0 ? '.' : dirs[0]!.slice(0, k).join('/')
}

/** Why a series should never be the volume we process, or null when it is a candidate. */
function exclusion(h: HeaderRecord): string | null {
  if (h.modality !== 'CT') return `not CT (modality ${h.modality || 'missing'})`
  if (h.sopClassUid.startsWith(SECONDARY_CAPTURE)) return 'secondary capture (a picture, not measurements)'
  if (h.imageType.some((t) => t === 'LOCALIZER' || t === 'SCOUT' || t === 'TOPOGRAM')) return 'localizer/scout'
  if (h.samplesPerPixel !== 1) return `colour image (${h.samplesPerPixel} samples per pixel)`
  return null
}

const isDerived = (h: HeaderRecord): boolean =>
  h.imageType[0] === 'DERIVED' ||
  h.imageType.some((t) => ['REFORMATTED', 'MPR', 'MIP', 'PROJECTION IMAGE', 'VOLUME_RENDER', 'CURVED'].includes(t))

/** Files without a SeriesInstanceUID are grouped by folder, the best evidence left. */
const groupKey = (h: HeaderRecord): string => h.seriesUid || `folder:${dirOf(h.path)}`

function droppedFlag(list: SkippedFile[] | undefined): Flag[] {
  if (!list?.length) return []
  const named = list.slice(0, 5).map((k) => `${k.path} (${k.code}: ${k.message})`)
  const more = list.length > 5 ? `; and ${list.length - 5} more` : ''
  return [
    {
      code: 'dropped_slices',
      value: list.length,
      threshold: 0,
      message: `${list.length} slice(s) left out because their pixels cannot become HU: ${named.join('; ')}${more}.`,
    },
  ]
}

interface Group {
  key: string
  headers: HeaderRecord[]
}

export interface GroupResult {
  series: SeriesInfo[]
  skipped: SkippedFile[]
}

/**
 * @param headers indexed image files (any order)
 * @param overrides patientKey → seriesUid chosen by a person; wins over the automatic choice
 */
export function groupAndChoose(
  headers: HeaderRecord[],
  mode: PipelineMode = 'robust',
  overrides: Map<string, string> = new Map(),
): GroupResult {
  const skipped: SkippedFile[] = []
  // Slices whose pixels cannot become HU leave their series here, named in its flags.
  const dropped = new Map<string, SkippedFile[]>()
  // Duplicate SOP instances (the same file copied twice): keep the first by path.
  const seen = new Map<string, string>()
  const unique: HeaderRecord[] = []
  for (const h of [...headers].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const prev = h.sopInstanceUid ? seen.get(h.sopInstanceUid) : undefined
    if (prev !== undefined) {
      skipped.push({ path: h.path, code: 'DUPLICATE_SOP_INSTANCE', message: `Same SOPInstanceUID as ${prev}; the first copy is used.` })
      continue
    }
    if (h.sopInstanceUid) seen.set(h.sopInstanceUid, h.path)
    if (h.defect) {
      const k: SkippedFile = { path: h.path, code: h.defect.code, message: h.defect.message }
      skipped.push(k)
      const key = groupKey(h)
      dropped.set(key, [...(dropped.get(key) ?? []), k])
      continue
    }
    unique.push(h)
  }

  const groups = new Map<string, Group>()
  for (const h of unique) {
    const key = groupKey(h)
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { key, headers: [] }))
    g.headers.push(h)
  }

  const series: SeriesInfo[] = []
  const sample = new Map<SeriesInfo, HeaderRecord>()
  for (const g of groups.values()) {
    const hs = g.headers
    const geom = computeGeometry(hs, mode)
    const ordered = geom.order.map((i) => hs[i]!)
    const first = ordered[0]!
    const folder = commonDir(hs.map((h) => h.path))
    const top = folder === '.' ? '' : folder.split('/')[0]!
    const info: SeriesInfo = {
      folder,
      patientId: first.patientId,
      studyUid: first.studyUid,
      seriesUid: first.seriesUid || g.key,
      modality: first.modality,
      files: ordered.map((h) => h.path),
      chosen: false,
      choiceReason: '',
      flags: [...geom.flags, ...droppedFlag(dropped.get(g.key))],
      spacing: geom.spacing,
      shape: geom.shape,
      transferSyntaxes: [...new Set(hs.map((h) => h.transferSyntaxUid))].sort(),
      seriesDescription: first.seriesDescription,
      seriesNumber: first.seriesNumber,
      manufacturer: first.manufacturer,
      kernel: first.kernel,
      acquisitionDate: first.acquisitionDate,
      sliceThickness: first.sliceThickness,
      orientation: geom.orientation,
      patientKey: `${top}\u0000${first.patientId}`,
    }
    series.push(info)
    sample.set(info, first)
  }
  choose(series, sample, overrides)
  series.sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : a.seriesUid < b.seriesUid ? -1 : 1))
  return { series, skipped }
}

function choose(series: SeriesInfo[], sample: Map<SeriesInfo, HeaderRecord>, overrides: Map<string, string>): void {
  const byPatient = new Map<string, SeriesInfo[]>()
  for (const s of series) {
    const list = byPatient.get(s.patientKey) ?? []
    list.push(s)
    byPatient.set(s.patientKey, list)
  }
  for (const [pkey, list] of byPatient) {
    const override = overrides.get(pkey)
    const ranked = list
      .map((s) => {
        const h = sample.get(s)!
        const excl = exclusion(h)
        const slices = s.files.length
        // Lexicographic preference: eligible, original, axial, a volume, most slices, finest z.
        const score = [
          excl ? 0 : 1,
          isDerived(h) ? 0 : 1,
          s.orientation === 'axial' ? 1 : 0,
          slices > 1 ? 1 : 0,
          slices,
          -(s.spacing?.[0] ?? 99),
        ]
        return { s, h, excl, score }
      })
      .sort((a, b) => {
        for (let i = 0; i < a.score.length; i++) if (a.score[i] !== b.score[i]) return b.score[i]! - a.score[i]!
        return a.s.seriesUid < b.s.seriesUid ? -1 : 1
      })
    const forced = override ? ranked.find((r) => r.s.seriesUid === override) : undefined
    const best = forced ?? (ranked[0]!.excl ? undefined : ranked[0])
    const describe = (r: (typeof ranked)[number]): string =>
      `${r.s.modality || '?'} ${r.s.orientation} ${r.s.files.length} image(s)${isDerived(r.h) ? ' derived' : ''}`
    for (const r of ranked) {
      if (r === best) {
        r.s.chosen = true
        r.s.choiceReason = forced
          ? 'chosen by a person (override)'
          : list.length === 1
            ? `only series of this patient (${describe(r)})`
            : `${describe(r)}: the best of ${list.length} series (original axial CT with the most slices)`
      } else if (r.excl) {
        r.s.choiceReason = `not processed: ${r.excl}`
      } else if (best) {
        r.s.choiceReason = `not chosen: ${describe(r)}; ${best.s.seriesUid} is preferred (${describe(best)})`
      }
    }
    if (!best) for (const r of ranked) r.s.choiceReason ||= 'not processed: no CT image series for this patient'
  }
}
