import type { ApiEventPayloads } from '../shared/api'

type Listener<T> = (payload: T) => void

/** Typed fan-out of API events to every connected transport (IPC windows, WebSockets, CLI). */
export class EventBus {
  private readonly listeners: { [K in keyof ApiEventPayloads]: Set<Listener<ApiEventPayloads[K]>> } = {
    onProgress: new Set(),
  }

  on<K extends keyof ApiEventPayloads>(event: K, cb: Listener<ApiEventPayloads[K]>): () => void {
    this.listeners[event].add(cb)
    return () => this.listeners[event].delete(cb)
  }

  emit<K extends keyof ApiEventPayloads>(event: K, payload: ApiEventPayloads[K]): void {
    // A listener that throws (a closed socket, say) must not stop the others or the job.
    for (const cb of this.listeners[event]) {
      try {
        cb(payload)
      } catch {
        /* transport-side failure; that transport drops its own subscription */
      }
    }
  }
}
