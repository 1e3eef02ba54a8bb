import { useCallback, useState } from 'react'
import type { ReviewStatus, ScanSummary } from '../../../shared/api'
import { api } from '../api'

/** Flags that say the mask itself is wrong: accepting such a scan needs a second keypress. */
export const MASK_FLAGS = new Set(['tiny_mask', 'border_touching', 'one_lung', 'abdominal_gas', 'airways_in_mask'])

export const maskFlagsOf = (s: Pick<ScanSummary, 'flags'>): string[] => s.flags.filter((f) => MASK_FLAGS.has(f.code)).map((f) => f.code)

export interface Decision {
  scanId: number
  previous: { review: ReviewStatus; note: string | null }
  review: ReviewStatus
}

export interface Decide {
  /** Pending confirmation: accepting a scan with mask flags. */
  confirming: { scan: ScanSummary; flags: string[] } | null
  /** Accept (asks first when the mask is flagged, unless `force`), reject, or undo. */
  decide(scan: ScanSummary, review: 'accepted' | 'rejected', opts?: { force?: boolean; note?: string }): Promise<boolean>
  confirm(): Promise<boolean>
  cancel(): void
  undo(): Promise<Decision | null>
  history: Decision[]
}

/**
 * Review decisions, saved at once (no save button), with a confirmation before a flagged mask
 * is accepted and an undo stack; `onDecided` moves the reviewer on.
 */
export function useDecide(onDecided: (scanId: number, review: ReviewStatus) => void, onError: (m: string) => void): Decide {
  const [confirming, setConfirming] = useState<Decide['confirming']>(null)
  const [history, setHistory] = useState<Decision[]>([])
  const write = useCallback(
    async (scan: ScanSummary, review: 'accepted' | 'rejected', note?: string): Promise<boolean> => {
      try {
        const detail = await api.getScan({ id: scan.id })
        await api.setReview({ id: scan.id, review, note })
        setHistory((h) => [...h, { scanId: scan.id, previous: { review: detail.review, note: detail.reviewNote }, review }])
        onDecided(scan.id, review)
        return true
      } catch (e) {
        onError((e as Error).message)
        return false
      }
    },
    [onDecided, onError],
  )
  const decide = useCallback<Decide['decide']>(
    async (scan, review, opts = {}) => {
      const flags = maskFlagsOf(scan)
      if (review === 'accepted' && flags.length > 0 && !opts.force) {
        setConfirming({ scan, flags })
        return false
      }
      setConfirming(null)
      return write(scan, review, opts.note)
    },
    [write],
  )
  const confirm = useCallback(async () => {
    if (!confirming) return false
    const s = confirming.scan
    setConfirming(null)
    return write(s, 'accepted')
  }, [confirming, write])
  const undo = useCallback(async () => {
    const last = history.at(-1)
    if (!last) return null
    try {
      // 'retry' is not a decision a person can restore by hand; unreviewed is the honest undo.
      const back = last.previous.review === 'retry' ? 'unreviewed' : last.previous.review
      await api.setReview({ id: last.scanId, review: back, note: last.previous.note ?? undefined })
      setHistory((h) => h.slice(0, -1))
      return last
    } catch (e) {
      onError((e as Error).message)
      return null
    }
  }, [history, onError])
  return { confirming, decide, confirm, cancel: () => setConfirming(null), undo, history }
}
