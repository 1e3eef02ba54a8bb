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

export function prefetch<M extends BinaryMethod>(method: M, arg: Parameters<CuratorApi[M]>[0]): void {
  const key = keyOf(method, arg)
  if (pending.has(key)) return
  const p = loadBinary(method, arg, new AbortController().signal)
  p.catch(() => undefined) // the case view asks again and reports the error
  pending.set(key, p)
  setTimeout(() => pending.delete(key), 60_000)
}

/** A prefetched answer (once), or a fresh request. */
export function fetchOnce<M extends BinaryMethod>(method: M, arg: Parameters<CuratorApi[M]>[0], signal: AbortSignal): Promise<Awaited<ReturnType<CuratorApi[M]>>> {
  const key = keyOf(method, arg)
  const p = pending.get(key)
  if (!p) return loadBinary(method, arg, signal)
  pending.delete(key)
  return p.then((r) => {
    signal.throwIfAborted()
    return r as Awaited<ReturnType<CuratorApi[M]>>
  })
}

/** A JSON call made ahead in the same way (taken once, within a minute), for the case's facts. */
const pendingCalls = new Map<string, Promise<unknown>>()

export function prefetchCall<M extends 'getScan'>(method: M, arg: Parameters<CuratorApi[M]>[0]): void {
  const key = keyOf(method, arg)
  const p = (api[method] as (a: typeof arg) => Promise<unknown>)(arg)
  p.catch(() => undefined)
  pendingCalls.set(key, p)
  setTimeout(() => pendingCalls.delete(key), 60_000)
}

/** The prefetched answer of a call (once), or a fresh call. */
export function callOnce<M extends 'getScan'>(method: M, arg: Parameters<CuratorApi[M]>[0]): ReturnType<CuratorApi[M]> {
  const key = keyOf(method, arg)
  const p = pendingCalls.get(key)
  pendingCalls.delete(key)
  return (p ?? (api[method] as (a: typeof arg) => Promise<unknown>)(arg)) as ReturnType<CuratorApi[M]>
}

/** The requests the case view makes first for a case's current run, in its order. */
export function prefetchCase(id: number): void {
  prefetchCall('getScan', { id })
  prefetch('getVolume', { id, kind: 'ct', level: 2 })
  prefetch('getSurface', { id, kind: 'lung', runId: undefined })
}
