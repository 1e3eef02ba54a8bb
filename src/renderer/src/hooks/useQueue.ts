import { useCallback, useState } from 'react'

const KEY = 'ctc-review-queue'

/**
 * The review queue: the scans a reviewer set out to decide, in order. Kept in the session's
 * storage so a reload goes on where it was; which of them are decided comes from the database.
 */
export function useQueue(): { ids: number[] | null; start(ids: number[]): void; stop(): void } {
  const [ids, setIds] = useState<number[] | null>(() => {
    try {
      const raw = sessionStorage.getItem(KEY)
      return raw ? (JSON.parse(raw) as number[]) : null
    } catch {
      return null
    }
  })
  const start = useCallback((list: number[]) => {
    sessionStorage.setItem(KEY, JSON.stringify(list))
    setIds(list)
  }, [])
  const stop = useCallback(() => {
    sessionStorage.removeItem(KEY)
    setIds(null)
  }, [])
  return { ids, start, stop }
}
