import { useCallback, useEffect, useRef, useState } from 'react'
import type { ScanSummary } from '../../../shared/api'
import { api } from '../api'

/**
 * Every scan of the database, kept current: a scan finishing re-reads the list (coalesced: a
 * burst of events costs one read per 500 ms — at 5,000 scans a read is ~2 MB), so statuses,
 * flags and counts follow the engine wherever it was started.
 */
export function useScans(): { scans: ScanSummary[] | null; error: string | null; refresh(): Promise<void> } {
  const [scans, setScans] = useState<ScanSummary[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const refresh = useCallback(async () => {
    try {
      setScans(await api.listScans())
      setError(null)
    } catch (e) {
      setError((e as Error).message)
    }
  }, [])
  useEffect(() => {
    api.listScans().then(setScans, (e: Error) => setError(e.message))
    const off = api.onProgress((p) => {
      // A scan that starts is shown by the processing panel; the list changes when one finishes
      // (or a scan, an open or a run ends).
      const finished = p.scanId !== undefined && p.status !== 'processing'
      if (!finished && p.done !== p.total && p.message !== 'idle') return
      if (timer.current) return
      timer.current = setTimeout(() => {
        timer.current = null
        void refresh()
      }, 500)
    })
    return () => {
      off()
      if (timer.current) clearTimeout(timer.current)
    }
  }, [refresh])
  return { scans, error, refresh }
}
