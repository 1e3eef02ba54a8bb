/**
 * The renderer's handle on the API. Under Electron the preload has put `window.api` there;
 * in a browser served by the web host we build the same object over HTTP + WebSocket. Both
 * come from the contract's method lists, so the rest of the renderer cannot tell them apart.
 */
import {
  API_EVENTS,
  API_METHODS,
  META_HEADER,
  type BinaryMethod,
  type ApiEvent,
  type ApiEventPayloads,
  type CuratorApi,
  type Envelope,
} from '../../shared/api'

declare global {
  interface Window {
    api?: CuratorApi
  }
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

async function call(base: string, method: string, arg: unknown, signal?: AbortSignal): Promise<unknown> {
  const res = await fetch(new URL(`api/${method}`, base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ arg }),
    signal,
  })
  // Binary results (volumes, surfaces) come as bytes with their meta in a header.
  if (res.headers.get('content-type') === 'application/octet-stream') {
    const meta = JSON.parse(decodeURIComponent(res.headers.get(META_HEADER) ?? '{}')) as unknown
    return { meta, data: await res.arrayBuffer() }
  }
  const env = (await res.json()) as Envelope<unknown>
  if (env.ok) return env.result
  throw new ApiError(env.error.code, env.error.message)
}

function createHttpApi(base: string): CuratorApi {
  const listeners = new Map<ApiEvent, Set<(p: unknown) => void>>(API_EVENTS.map((e) => [e, new Set()]))
  let socket: WebSocket | null = null
  let retryMs = 500

  const connect = (): void => {
    const url = new URL('api/events', base)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    socket = new WebSocket(url)
    socket.onopen = () => {
      retryMs = 500
    }
    socket.onmessage = (m) => {
      const { event, payload } = JSON.parse(String(m.data)) as { event: ApiEvent; payload: unknown }
      listeners.get(event)?.forEach((cb) => cb(payload))
    }
    // The host may restart (CLI re-run); keep trying with backoff while anyone listens.
    socket.onclose = () => {
      socket = null
      if ([...listeners.values()].some((s) => s.size > 0)) {
        setTimeout(connect, retryMs)
        retryMs = Math.min(retryMs * 2, 10_000)
      }
    }
  }

  const api: Record<string, unknown> = {}
  for (const method of API_METHODS) {
    api[method] = (arg?: unknown, signal?: AbortSignal) => call(base, method, arg, signal)
  }
  for (const event of API_EVENTS) {
    api[event] = (cb: (p: ApiEventPayloads[typeof event]) => void) => {
      const set = listeners.get(event)!
      set.add(cb as (p: unknown) => void)
      if (!socket) connect()
      return () => set.delete(cb as (p: unknown) => void)
    }
  }
  return api as unknown as CuratorApi
}

export const api: CuratorApi = window.api ?? createHttpApi(window.location.origin + '/')
export const transport: 'ipc' | 'http' = window.api ? 'ipc' : 'http'

type BinaryResult<M extends BinaryMethod> = Awaited<ReturnType<CuratorApi[M]>>

/**
 * A binary call that a case switch can cancel: over HTTP the request is aborted; over IPC the
 * answer is dropped when it arrives (Electron's invoke cannot be aborted).
 */
export async function loadBinary<M extends BinaryMethod>(
  method: M,
  arg: Parameters<CuratorApi[M]>[0],
  signal: AbortSignal,
): Promise<BinaryResult<M>> {
  const r = window.api
    ? await (window.api[method] as (a: unknown) => Promise<unknown>)(arg)
    : await call(window.location.origin + '/', method, arg, signal)
  signal.throwIfAborted()
  return r as BinaryResult<M>
}
