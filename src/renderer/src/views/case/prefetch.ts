/**
 * A page opened on a case (`/?scan=<id>`) asks for the case's volumes at once, while the app's
 * code and the case view's (vtk.js) are still loading: the first picture then waits for the
 * slower of the two, not for both in turn. The case view takes these answers instead of asking
 * again; anything not taken within a minute is dropped.
 */
import type { BinaryMethod, CuratorApi } from '../../../../shared/api'
import { api, loadBinary } from '../../api'

const pending = new Map<string, Promise<unknown>>()
const keyOf = (method: string, arg: unknown): string => `${method}:${JSON.stringify(arg)}`

/** Keeps an answer asked for ahead (binary or JSON alike) for a minute, to be taken once. */
function hold(key: string, start: () => Promise<unknown>): void {
  if (pending.has(key)) return
  const p = start()
  p.catch(() => undefined) // the case view asks again and reports the error
  pending.set(key, p)
  setTimeout(() => pending.delete(key), 60_000)
}

function take(key: string): Promise<unknown> | undefined {
  const p = pending.get(key)
  pending.delete(key)
  return p
}

export function prefetch<M extends BinaryMethod>(method: M, arg: Parameters<CuratorApi[M]>[0]): void {
  hold(keyOf(method, arg), () => loadBinary(method, arg, new AbortController().signal))
}

/** A prefetched answer (once), or a fresh request. */
export function fetchOnce<M extends BinaryMethod>(method: M, arg: Parameters<CuratorApi[M]>[0], signal: AbortSignal): Promise<Awaited<ReturnType<CuratorApi[M]>>> {
  const p = take(keyOf(method, arg))
  if (!p) return loadBinary(method, arg, signal)
  return p.then((r) => {
    signal.throwIfAborted()
    return r as Awaited<ReturnType<CuratorApi[M]>>
  })
}

/** The case's facts, asked for ahead in the same way. */
export function prefetchScan(id: number): void {
  hold(keyOf('getScan', { id }), () => api.getScan({ id }))
}

/** The prefetched facts of a case (once), or a fresh call. */
export function scanOnce(id: number): ReturnType<CuratorApi['getScan']> {
  return (take(keyOf('getScan', { id })) as ReturnType<CuratorApi['getScan']> | undefined) ?? api.getScan({ id })
}

/** The requests the case view makes first for a case's current run, in its order. */
export function prefetchCase(id: number): void {
  prefetchScan(id)
  prefetch('getVolume', { id, kind: 'ct', level: 2 })
  prefetch('getSurface', { id, kind: 'lung', runId: undefined })
}
