/**
 * Builds `window.api` from the contract's method and event lists, so the preload cannot
 * drift from `CuratorApi`. Runs sandboxed with context isolation: only this object crosses.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { API_EVENTS, API_METHODS, channelOf, type CuratorApi, type Envelope } from '../shared/api'

const api: Record<string, unknown> = {}
for (const method of API_METHODS) {
  api[method] = async (arg?: unknown) => {
    const env = (await ipcRenderer.invoke(channelOf(method), arg)) as Envelope<unknown>
    if (env.ok) return env.result
    throw Object.assign(new Error(env.error.message), { code: env.error.code })
  }
}
for (const event of API_EVENTS) {
  api[event] = (cb: (payload: unknown) => void) => {
    const listener = (_e: IpcRendererEvent, payload: unknown): void => cb(payload)
    ipcRenderer.on(channelOf(event), listener)
    return () => {
      ipcRenderer.removeListener(channelOf(event), listener)
    }
  }
}

contextBridge.exposeInMainWorld('api', api as unknown as CuratorApi)
