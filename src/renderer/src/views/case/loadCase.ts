/**
 * Progressive loading of a case into its viewers: the half-resolution volume, mask and the lung
 * surface first (a picture within a fraction of the full load), then the full-resolution volume
 * and mask replace them. Everything is cancelled by the signal when the case changes.
 */
import type { SurfaceBlob, VolumeBlob } from '../../../../shared/api'
import { loadBinary } from '../../api'
import { fetchOnce } from './prefetch'
import type { SurfaceData } from '../../viewers/volumeViewer'

export const surfaceData = (s: SurfaceBlob | null): SurfaceData | null =>
  s ? { points: new Float32Array(s.data, 0, s.meta.points * 3), triangles: new Uint32Array(s.data, s.meta.points * 12, s.meta.triangles * 3) } : null

export interface CaseSink {
  /** A volume level, with the mask of the same grid (the full level's mask comes after it). */
  volume(ct: VolumeBlob, mask: VolumeBlob | null): Promise<void>
  mask(mask: VolumeBlob): void
  surface(kind: 'lung' | 'metal', s: SurfaceData | null): void
  stage(s: 'half' | 'full' | 'ready'): void
}

export async function loadCase(id: number, maskRunId: number | undefined, sink: CaseSink, signal: AbortSignal): Promise<void> {
  sink.stage('half')
  const [ct2, mask2, lung] = await Promise.all([
    fetchOnce('getVolume', { id, kind: 'ct', level: 2 }, signal),
    fetchOnce('getVolume', { id, kind: 'mask', level: 2, runId: maskRunId }, signal),
    fetchOnce('getSurface', { id, kind: 'lung', runId: maskRunId }, signal),
  ])
  // The full volume is asked for now: it travels while the quick level is drawn (asked for
  // earlier, it would compete with the quick level's own answers on a small machine).
  const ct1 = fetchOnce('getVolume', { id, kind: 'ct', level: 1 }, signal)
  ct1.catch(() => undefined)
  sink.surface('lung', surfaceData(lung))
  await sink.volume(ct2, mask2)
  sink.stage('full')
  // The full volume is what the eye waits for; its mask and metal follow (the half mask shows
  // meanwhile), asked for only now so their decoding does not hold the volume up.
  await sink.volume(await ct1, null)
  const metal = loadBinary('getSurface', { id, kind: 'metal' }, signal)
    .then((m) => m && sink.surface('metal', surfaceData(m)))
    .catch(() => undefined) // metal is an extra; its absence must not stop the case
  sink.mask(await loadBinary('getVolume', { id, kind: 'mask', level: 1, runId: maskRunId }, signal))
  await metal
  sink.stage('ready')
}
