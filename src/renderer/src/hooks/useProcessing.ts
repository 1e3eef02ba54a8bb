import { useEffect, useState } from 'react'
import type { ProcessingState, ProgressEvent } from '../../../shared/api'
import { api } from '../api'

export interface Processing {
  state: ProcessingState | null
  /** The latest processing progress event (null when idle). */
  progress: ProgressEvent | null
  /** Re-reads the engine's state (after a call that changed it). */
  refresh(): void
}

/**
 * The engine's state as the engine tells it: read once, then re-read on every progress event,
 * so buttons and counts follow processing started anywhere (this page, another window, a retry).
 */
export function useProcessing(): Processing {
  const [state, setState] = useState<ProcessingState | null>(null)
  const [progress, setProgress] = useState<ProgressEvent | null>(null)
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let live = true
    api.getProcessingState().then((s) => live && setState(s), () => undefined)
    return () => {
      live = false
    }
  }, [tick])
  useEffect(
    () =>
      api.onProgress((p) => {
        if (p.phase === 'process') setProgress(p.message === 'idle' ? null : p)
        if (p.phase === 'process' || p.phase === 'scan') setTick((t) => t + 1)
      }),
    [],
  )
  return { state, progress, refresh: () => setTick((t) => t + 1) }
}
