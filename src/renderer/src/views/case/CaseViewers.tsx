import { useEffect, useRef, useState } from 'react'
import type { PresetName } from '../../viewers/presets'
import { CaseScene, type Stage } from './caseScene'

export interface CaseViewersProps {
  scanId: number
  /** Run whose mask and surface to show; undefined = the current run. */
  maskRunId: number | undefined
  /** The current run: when a retry lands, the case reloads. */
  currentRunId: number
  /** The other run of a retried scan, shown with `b`. */
  beforeRunId: number | null
  showBefore: boolean
  maskOn: boolean
  preset: PresetName
  window: { width: number; level: number }
  onWindow(w: { width: number; level: number }): void
  /** Bumped to reset the 3D camera. */
  resetTick: number
  onError(message: string): void
}

/** The 3D view and the three slice views; React gives the scene its life and its settings. */
export function CaseViewers(p: CaseViewersProps): React.JSX.Element {
  // The stage belongs to a case: a case just opened is loading whatever the last one reached.
  const [loaded, setLoaded] = useState<{ stage: Stage; scanId: number }>({ stage: 'half', scanId: 0 })
  const stage: Stage = loaded.scanId === p.scanId ? loaded.stage : 'half'
  const volume = useRef<HTMLDivElement | null>(null)
  const axial = useRef<HTMLDivElement | null>(null)
  const coronal = useRef<HTMLDivElement | null>(null)
  const sagittal = useRef<HTMLDivElement | null>(null)
  const scene = useRef<CaseScene | null>(null)
  const cb = useRef({ onWindow: p.onWindow, onError: p.onError })
  useEffect(() => {
    cb.current = { onWindow: p.onWindow, onError: p.onError }
  })

  useEffect(() => {
    const s = new CaseScene(
      { volume: volume.current!, axial: axial.current!, coronal: coronal.current!, sagittal: sagittal.current! },
      { onStage: (s, scanId) => setLoaded({ stage: s, scanId }), onWindow: (width, level) => cb.current.onWindow({ width, level }), onError: (m) => cb.current.onError(m) },
    )
    scene.current = s
    const ro = new ResizeObserver(() => s.resize())
    ro.observe(volume.current!)
    return () => {
      ro.disconnect()
      scene.current = null
      s.dispose()
    }
  }, [])

  useEffect(() => scene.current?.open(p.scanId, p.maskRunId), [p.scanId, p.maskRunId, p.currentRunId])
  useEffect(() => scene.current?.showBefore(p.beforeRunId, p.showBefore), [p.scanId, p.beforeRunId, p.showBefore])
  useEffect(() => scene.current?.showMask(p.maskOn), [p.maskOn])
  useEffect(() => scene.current?.setPreset(p.preset), [p.preset])
  useEffect(() => scene.current?.setWindow(p.window.width, p.window.level), [p.window.width, p.window.level])
  useEffect(() => {
    if (p.resetTick > 0) scene.current?.resetCamera()
  }, [p.resetTick])

  return (
    <div className="viewers">
      <div className="viewer volume" data-testid="volume-view" data-scan-id={p.scanId} data-stage={stage} title="Drag to rotate, wheel to zoom, 0 resets the camera">
        <div className="vtk-host" ref={volume} />
        {stage !== 'ready' && <div className="loading">{stage === 'half' ? 'Loading…' : 'Loading full resolution…'}</div>}
      </div>
      {(
        [
          ['axial', axial],
          ['coronal', coronal],
          ['sagittal', sagittal],
        ] as const
      ).map(([plane, ref]) => (
        <div
          key={plane}
          className={`viewer slice ${plane}`}
          data-testid={`slice-${plane}`}
          ref={ref}
          tabIndex={0}
          aria-label={`${plane} slice: click to move the crosshair, wheel or arrow keys to scroll, right-drag for window/level`}
        />
      ))}
    </div>
  )
}
