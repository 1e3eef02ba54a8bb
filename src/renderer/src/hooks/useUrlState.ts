import { useCallback, useEffect, useState } from 'react'

/**
 * State that should survive a reload or be shared lives in the URL's query: the open case
 * (`scan`), the cohort's filters and sort, the view. Changing it pushes a history entry (Back
 * works) unless `replace` is asked for (typing in a filter).
 */
export function useUrlState(): [URLSearchParams, (patch: Record<string, string | null | undefined>, opts?: { replace?: boolean }) => void] {
  const [params, setParams] = useState(() => new URLSearchParams(window.location.search))
  useEffect(() => {
    const onPop = (): void => setParams(new URLSearchParams(window.location.search))
    window.addEventListener('popstate', onPop)
    return () => window.removeEventListener('popstate', onPop)
  }, [])
  const update = useCallback((patch: Record<string, string | null | undefined>, opts: { replace?: boolean } = {}) => {
    const next = new URLSearchParams(window.location.search)
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || v === undefined || v === '') next.delete(k)
      else next.set(k, v)
    }
    const qs = next.toString()
    const url = `${window.location.pathname}${qs ? `?${qs}` : ''}${window.location.hash}`
    if (opts.replace) window.history.replaceState(null, '', url)
    else window.history.pushState(null, '', url)
    setParams(next)
  }, [])
  return [params, update]
}
