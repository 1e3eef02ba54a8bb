/**
 * The cohort's filters and sort, as the URL holds them (`?flag=tiny_mask&review=unreviewed&
 * q=lidc&sort=-mask`), applied to the scan list. Pure functions: the table, the contact sheet,
 * the review queue and j/k in the case view all walk the same list.
 */
import type { ReviewStatus, ScanStatus, ScanSummary } from '../../../../shared/api'

export interface CohortFilter {
  status: ScanStatus | null
  review: ReviewStatus | null
  /** A flag code, or `any` for every flagged scan, `none` for scans with no flag. */
  flag: string | null
  q: string
  sort: SortKey
  desc: boolean
}

export const SORT_KEYS = ['folder', 'patient', 'status', 'review', 'flags', 'mask', 'slices', 'id'] as const
export type SortKey = (typeof SORT_KEYS)[number]

const STATUSES: ScanStatus[] = ['pending', 'processing', 'done', 'failed']
const REVIEWS: ReviewStatus[] = ['unreviewed', 'accepted', 'rejected', 'retry']

export function readFilter(p: URLSearchParams): CohortFilter {
  const status = p.get('status') as ScanStatus | null
  const review = p.get('review') as ReviewStatus | null
  const rawSort = p.get('sort') ?? 'folder'
  const desc = rawSort.startsWith('-')
  const key = rawSort.replace(/^-/, '') as SortKey
  return {
    status: status && STATUSES.includes(status) ? status : null,
    review: review && REVIEWS.includes(review) ? review : null,
    flag: p.get('flag') || null,
    q: (p.get('q') ?? '').trim(),
    sort: SORT_KEYS.includes(key) ? key : 'folder',
    desc,
  }
}

export const sortParam = (key: SortKey, desc: boolean): string => `${desc ? '-' : ''}${key}`

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })

function compare(a: ScanSummary, b: ScanSummary, key: SortKey): number {
  switch (key) {
    case 'folder':
      return collator.compare(a.folder, b.folder)
    case 'patient':
      return collator.compare(a.patientId, b.patientId)
    case 'status':
      return STATUSES.indexOf(a.status) - STATUSES.indexOf(b.status)
    case 'review':
      return REVIEWS.indexOf(a.review) - REVIEWS.indexOf(b.review)
    case 'flags':
      return a.flags.length - b.flags.length || collator.compare(a.flags.map((f) => f.code).join(), b.flags.map((f) => f.code).join())
    case 'mask':
      // Scans without a mask sort after every number, whichever the direction.
      return (a.maskFraction ?? Infinity) - (b.maskFraction ?? Infinity)
    case 'slices':
      return a.sliceCount - b.sliceCount
    case 'id':
      return a.id - b.id
  }
}

export function matches(s: ScanSummary, f: CohortFilter, q = f.q.toLowerCase()): boolean {
  if (f.status && s.status !== f.status) return false
  if (f.review && s.review !== f.review) return false
  if (f.flag === 'any' && s.flags.length === 0) return false
  if (f.flag === 'none' && s.flags.length > 0) return false
  if (f.flag && f.flag !== 'any' && f.flag !== 'none' && !s.flags.some((x) => x.code === f.flag)) return false
  if (q && !s.folder.toLowerCase().includes(q) && !s.patientId.toLowerCase().includes(q) && !(s.seriesDescription ?? '').toLowerCase().includes(q))
    return false
  return true
}

export function applyFilter(scans: readonly ScanSummary[], f: CohortFilter): ScanSummary[] {
  const q = f.q.toLowerCase()
  const out = scans.filter((s) => matches(s, f, q))
  const dir = f.desc ? -1 : 1
  out.sort((a, b) => dir * compare(a, b, f.sort) || a.id - b.id)
  return out
}

export interface Counts {
  total: number
  byStatus: Record<ScanStatus, number>
  byReview: Record<ReviewStatus, number>
  byFlag: Map<string, number>
  flagged: number
}

/** Counts over the whole cohort (not the filtered view): the counters are the filters' menu. */
export function countScans(scans: readonly ScanSummary[]): Counts {
  const c: Counts = {
    total: scans.length,
    byStatus: { pending: 0, processing: 0, done: 0, failed: 0 },
    byReview: { unreviewed: 0, accepted: 0, rejected: 0, retry: 0 },
    byFlag: new Map(),
    flagged: 0,
  }
  for (const s of scans) {
    c.byStatus[s.status]++
    c.byReview[s.review]++
    if (s.flags.length) c.flagged++
    for (const f of s.flags) c.byFlag.set(f.code, (c.byFlag.get(f.code) ?? 0) + 1)
  }
  return c
}
