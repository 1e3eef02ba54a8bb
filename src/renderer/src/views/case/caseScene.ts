/**
 * The case's four views as one scene: the 3D view and three slice views sharing a crosshair,
 * the current run's mask, the run before a retry, the preset and the window. Plain imperative
 * code around the viewers; `CaseViewers` gives it the life of its elements and forwards props.
 */
import type { Vec3, VolumeBlob, VolumeMeta } from '../../../../shared/api'
import { loadBinary } from '../../api'
import { markForInitialCase } from '../../perf'
import { BEFORE_TINT, MASK_TINT, type PresetName } from '../../viewers/presets'
import { createSliceViewer, type SliceViewer } from '../../viewers/sliceViewer'
import { createVolumeViewer, type VolumeViewer } from '../../viewers/volumeViewer'
import { loadCase, surfaceData } from './loadCase'

const markOnce = (which: 'first' | 'full', scanId: number): void =>
  markForInitialCase(which === 'first' ? 'ctc:volume-first-frame' : 'ctc:volume-full-frame', scanId)

export type Stage = 'half' | 'full' | 'ready'

export interface SceneCallbacks {
  onStage(s: Stage, scanId: number): void
  onWindow(width: number, level: number): void
  onError(message: string): void
}

export interface CaseElements {
  volume: HTMLElement
  axial: HTMLElement
  coronal: HTMLElement
  sagittal: HTMLElement
}

type Mask = { meta: VolumeMeta; data: Uint8Array }

export class CaseScene {
  private readonly vol: VolumeViewer
  private readonly slices: SliceViewer[]
  private cross: Vec3 | null = null
  private current: Mask | null = null
  private before: (Mask & { runId: number }) | null = null
  private showingBefore = false
  private load: AbortController | null = null
  private loadBefore: AbortController | null = null
  private frame = 0
  private scanId = 0
  private pendingFull: { meta: VolumeMeta; data: Int16Array } | null = null

  constructor(
    el: CaseElements,
    private readonly cb: SceneCallbacks,
  ) {
    this.vol = createVolumeViewer(el.volume)
    const events = { onCrosshair: (c: Vec3) => this.setCrosshair(c), onWindow: (w: number, l: number) => cb.onWindow(w, l) }
    this.slices = [createSliceViewer(el.axial, 'axial', events), createSliceViewer(el.coronal, 'coronal', events), createSliceViewer(el.sagittal, 'sagittal', events)]
  }

  private render(): void {
    if (this.frame) return
    this.frame = requestAnimationFrame(() => {
      this.frame = 0
      void this.vol.render()
    })
  }

  private setCrosshair(c: Vec3, render = true): void {
    this.cross = c
    for (const s of this.slices) s.setCrosshair(c)
    this.vol.setCrosshair(c)
    if (render) this.render()
  }

  /** Draws now (one frame for a new volume, not one more from a queued redraw). */
  private async renderNow(): Promise<void> {
    if (this.frame) {
      cancelAnimationFrame(this.frame)
      this.frame = 0
    }
    await this.vol.render()
  }

  private showMasks(): void {
    const before = this.showingBefore && this.before
    const m = before ? this.before : this.current
    for (const s of this.slices) s.setMask(m?.meta ?? null, m?.data ?? null, before ? BEFORE_TINT : MASK_TINT)
  }

  /** Loads a case (or another run's mask of it); cancels whatever was loading. */
  open(scanId: number, maskRunId: number | undefined): void {
    this.load?.abort()
    this.loadBefore?.abort()
    const ac = new AbortController()
    this.load = ac
    this.pendingFull = null
    if (scanId !== this.scanId) {
      this.cross = null
      this.before = null
      this.vol.setSurface('lung-before', null)
      this.vol.setSurface('metal', null)
    }
    // The new volume's first frame comes before its surface: the old surface must not be in it.
    this.vol.setSurface('lung', null)
    this.scanId = scanId
    loadCase(
      scanId,
      maskRunId,
      {
        volume: async (ct: VolumeBlob) => {
          if (ac.signal.aborted) return
          const hu = new Int16Array(ct.data)
          if (ct.meta.level === 2) {
            // The quick level's mask follows in a moment; the previous case's must not show meanwhile.
            this.current = null
            for (const s of this.slices) s.setVolume(ct.meta, hu)
            this.showMasks()
          } else {
            // Until the full mask arrives, the slices stay on the half level they have a mask for.
            this.pendingFull = { meta: ct.meta, data: hu }
          }
          this.vol.setVolume(ct.meta, ct.data)
          // A new case starts at the volume's centre.
          const m = ct.meta
          this.setCrosshair(this.cross ?? ([0, 1, 2].map((a) => ((m.shape[a]! - 1) * m.spacing[a]!) / 2 + m.origin[a]!) as Vec3), false)
          await this.renderNow()
          if (ac.signal.aborted) return
          markOnce('first', scanId)
          if (ct.meta.level === 1) markOnce('full', scanId)
        },
        mask: (mask: VolumeBlob) => {
          if (ac.signal.aborted) return
          if (mask.meta.level === 1) {
            if (!this.pendingFull) return
            for (const s of this.slices) s.setVolume(this.pendingFull.meta, this.pendingFull.data)
            this.pendingFull = null
          }
          this.current = { meta: mask.meta, data: new Uint8Array(mask.data) }
          this.showMasks()
        },
        surface: (kind, s) => {
          if (ac.signal.aborted) return
          this.vol.setSurface(kind, s)
          this.render()
        },
        stage: (s) => !ac.signal.aborted && this.cb.onStage(s, scanId),
      },
      ac.signal,
    ).catch((e: Error) => {
      if (!ac.signal.aborted) this.cb.onError(e.message)
    })
  }

  /** Shows (or hides) the mask of the run before a retry beside the current one. */
  showBefore(runId: number | null, on: boolean): void {
    this.loadBefore?.abort()
    this.showingBefore = on && runId !== null
    if (!this.showingBefore || runId === null) {
      this.vol.showSurface('lung-before', false)
      this.showMasks()
      this.render()
      return
    }
    const ac = new AbortController()
    this.loadBefore = ac
    const scanId = this.scanId
    void (async () => {
      try {
        if (this.before?.runId !== runId) {
          const [m, s] = await Promise.all([
            loadBinary('getVolume', { id: scanId, kind: 'mask', level: 1, runId }, ac.signal),
            loadBinary('getSurface', { id: scanId, kind: 'lung', runId }, ac.signal),
          ])
          this.before = { meta: m.meta, data: new Uint8Array(m.data), runId }
          this.vol.setSurface('lung-before', surfaceData(s))
        }
        this.vol.showSurface('lung-before', true)
        this.showMasks()
        this.render()
      } catch (e) {
        if (!ac.signal.aborted) this.cb.onError((e as Error).message)
      }
    })()
  }

  showMask(on: boolean): void {
    this.vol.showSurface('lung', on)
    for (const s of this.slices) s.showMask(on)
    this.render()
  }

  setPreset(name: PresetName): void {
    this.vol.setPreset(name)
    this.render()
  }

  setWindow(width: number, level: number): void {
    for (const s of this.slices) s.setWindow(width, level)
  }

  resetCamera(): void {
    this.vol.resetCamera()
    this.render()
  }

  resize(): void {
    if (this.vol.resize()) this.render()
  }

  dispose(): void {
    this.load?.abort()
    this.loadBefore?.abort()
    if (this.frame) cancelAnimationFrame(this.frame)
    for (const s of this.slices) s.dispose()
    this.vol.dispose()
    this.current = null
    this.before = null
  }
}
