/**
 * Progressive loading of a case into its viewers: the half-resolution volume and the lung surface
 * first (the volume's frame within a fraction of the full load, the surface on the frame after),
 * then the half mask for the slices, then the full-resolution volume and mask replace them.
 * Everything is cancelled by the signal when the case changes.
 */
import type { SurfaceBlob, VolumeBlob } from '../../../../shared/api'
import { loadBinary } from '../../api'
import { fetchOnce } from './prefetch'
import type { SurfaceData } from '../../viewers/volumeViewer'

export const surfaceData = (s: SurfaceBlob | null): SurfaceData | null =>
  s ? { points: new Float32Array(s.data, 0, s.meta.points * 3), triangles: new Uint32Array(s.data, s.meta.points * 12, s.meta.triangles * 3) } : null

export interface CaseSink {
  /** A volume level; its mask (same grid) comes after it. */
  volume(ct: VolumeBlob): Promise<void>
  mask(mask: VolumeBlob): void
  surface(kind: 'lung' | 'metal', s: SurfaceData | null): void
  stage(s: 'half' | 'full' | 'ready'): void
}

export async function loadCase(id: number, maskRunId: number | undefined, sink: CaseSink, signal: AbortSignal): Promise<void> {
  sink.stage('half')
  // The first frame needs the quick volume and the surface, nothing else: the slices' mask
  // follows (asked for with the page, it would share the wire and the CPU with them).
  const [ct2, lung] = await Promise.all([
    fetchOnce('getVolume', { id, kind: 'ct', level: 2 }, signal),
    fetchOnce('getSurface', { id, kind: 'lung', runId: maskRunId }, signal),
  ])
  const mask2 = loadBinary('getVolume', { id, kind: 'mask', level: 2, runId: maskRunId }, signal)
  mask2.catch(() => undefined)
  // The full volume is asked for now: it travels while the quick level is drawn (asked for
  // earlier, it would compete with the quick level's own answers on a small machine).
  const ct1 = fetchOnce('getVolume', { id, kind: 'ct', level: 1 }, signal)
  ct1.catch(() => undefined)
  await sink.volume(ct2)
  // Drawn on the next frame: building its buffers (~160 k triangles) would hold the first one up.
  sink.surface('lung', surfaceData(lung))
  sink.mask(await mask2)
  sink.stage('full')
  // The full volume is what the eye waits for; its mask and metal follow (the half mask shows
  // meanwhile), asked for only now so their decoding does not hold the volume up.
  await sink.volume(await ct1)
  const metal = loadBinary('getSurface', { id, kind: 'metal' }, signal)
    .then((m) => m && sink.surface('metal', surfaceData(m)))
    .catch(() => undefined) // metal is an extra; its absence must not stop the case
  sink.mask(await loadBinary('getVolume', { id, kind: 'mask', level: 1, runId: maskRunId }, signal))
  await metal
  sink.stage('ready')
}
