/**
 * Performance marks are a contract for the case in the page's URL when the page loaded (not a
 * case opened later): read here, at start-up, before any view is loaded on demand.
 */
const initialScan = new URLSearchParams(window.location.search).get('scan')
const marked = new Set<string>()

/** Marks `name` once per page, and only for the case the page was opened on. */
export function markForInitialCase(name: 'ctc:volume-first-frame' | 'ctc:volume-full-frame', scanId: number): void {
  if (marked.has(name) || String(scanId) !== initialScan) return
  marked.add(name)
  performance.mark(name)
}

/** Marks `ctc:table-ready` once, after the frame that shows the first rows has been painted. */
export function markTableReady(): void {
  if (marked.has('ctc:table-ready')) return
  marked.add('ctc:table-ready')
  requestAnimationFrame(() => setTimeout(() => performance.mark('ctc:table-ready'), 0))
}
