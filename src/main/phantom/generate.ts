/**
 * generatePhantom: options in, HU volume and ground-truth lung mask out. Pure and deterministic
 * from the options (seed included). Painting order matters and is the whole algorithm:
 *   per slice: air and body → liver → lungs (and mask) → stomach and colon contents → heart →
 *              spine, sternum, ribs → tray
 *   in 3-D:    aorta → vessels → nodules → airways and tracheostomy → pacemaker
 *   per slice: metal streaks
 *   finally:   noise, field of view, clipping, quantisation (finalize.ts)
 */
import { paintAbdomenGas, paintLiver } from './abdomen'
import { paintAirways } from './airways'
import { finalizeVolume, fovMask } from './finalize'
import { computeLayout } from './layout'
import { paintLungs } from './lungs'
import { type PhantomOptions, type ResolvedOptions, resolveOptions } from './options'
import { paintPacemaker, paintStreaks } from './pacemaker'
import { paintRibs, paintSpine, paintSternum } from './skeleton'
import { storageInfo } from './storage'
import { paintBody, paintHeart } from './torso'
import { paintTray } from './tray'
import type { Grid, Layout, SliceCtx, VolumeBuffers } from './types'
import { paintAorta, paintNodules, paintVessels } from './vessels'

export interface PhantomAnnotations {
  /** Nodule centres in voxel coordinates [z, y, x] (fractional) and radii in mm. */
  nodules: Array<{ center: [number, number, number]; radiusMm: number; juxtapleural: boolean }>
  /** Centre of the pacemaker can, voxel [z, y, x], or null. */
  metal: [number, number, number] | null
  /** Slice index of the tracheostomy tube, or null. */
  tracheostomySlice: number | null
  /** Volume of the gas below the diaphragm (voxels at least half gas), mL; 0 without an abdomen. */
  abdominalGasMl: number
}

export interface PhantomVolume {
  /** HU, int16, C order [z][y][x], slice 0 the most inferior (lowest ImagePositionPatient z). */
  hu: Int16Array
  /** Ground truth, 1 = lung parenchyma (vessels and nodules inside it included; trachea and
   * bronchi outside the lungs, and a collapsed lung, excluded). Same grid as `hu`. */
  lungMask: Uint8Array
  /** [slices, rows, cols]. */
  shape: [number, number, number]
  /** [z, y, x] mm: [sliceSpacing, row spacing, column spacing]. */
  spacing: [number, number, number]
  /** ImagePositionPatient [x, y, z] of voxel [0, 0, 0]. */
  origin: [number, number, number]
  /** rows × cols, 1 inside the reconstruction field of view (all 1 without padding). Outside
   * it `hu` holds −1024 and the files hold the padding value. */
  fov: Uint8Array
  /** 1 where at least half the voxel is gas below the diaphragm (stomach, colon); null without
   * an abdomen. Never lung: a segmentation that includes it is wrong there. */
  abdominalGas: Uint8Array | null
  /** The options after defaults and case presets. */
  options: ResolvedOptions
  annotations: PhantomAnnotations
}

export function generatePhantom(opts: PhantomOptions): PhantomVolume {
  return generateResolved(resolveOptions(opts))
}

function count(mask: Uint8Array | null): number {
  let n = 0
  if (mask) for (let i = 0; i < mask.length; i++) n += mask[i]!
  return n
}

function toVoxel(g: Grid, x: number, y: number, z: number): [number, number, number] {
  return [(z - g.z0) / g.dz, (y - g.y0) / g.dy, (x - g.x0) / g.dx]
}

export function generateResolved(o: ResolvedOptions): PhantomVolume {
  const info = storageInfo(o)
  const L: Layout = computeLayout(o)
  const g = L.grid
  const plane = g.rows * g.cols
  const hu = new Int16Array(plane * g.slices)
  const mask = new Uint8Array(plane * g.slices)
  const abdominalGas = L.abdomen ? new Uint8Array(plane * g.slices) : null
  const vol: VolumeBuffers = { hu, mask, grid: g }
  const slice = (k: number): SliceCtx => ({
    k,
    z: g.z0 + k * g.dz,
    hu: hu.subarray(k * plane, (k + 1) * plane),
    mask: mask.subarray(k * plane, (k + 1) * plane),
    grid: g,
  })

  for (let k = 0; k < g.slices; k++) {
    const ctx = slice(k)
    paintBody(ctx, L)
    paintLiver(ctx, L)
    paintLungs(ctx, L)
    if (abdominalGas) paintAbdomenGas(ctx, L, abdominalGas.subarray(k * plane, (k + 1) * plane))
    paintHeart(ctx, L)
    paintSpine(ctx, L)
    paintSternum(ctx, L)
    paintRibs(ctx, L)
    paintTray(ctx, L)
  }
  paintAorta(vol, L)
  paintVessels(vol, L, o.seed)
  paintNodules(vol, L)
  paintAirways(vol, L, o.seed)
  paintPacemaker(vol, L)
  if (L.pacemaker) for (let k = 0; k < g.slices; k++) paintStreaks(slice(k), L)

  const fov = fovMask(L, o.fovPadding)
  finalizeVolume(hu, fov, o.noiseSigma, o.seed, info)
  // Padding is not lung: the mask must never claim a voxel the files do not hold.
  for (let base = 0; base < mask.length; base += plane) {
    for (let p = 0; p < plane; p++) if (fov[p] === 0) mask[base + p] = 0
  }

  return {
    hu,
    lungMask: mask,
    shape: [g.slices, g.rows, g.cols],
    spacing: [g.dz, g.dy, g.dx],
    origin: [g.x0, g.y0, g.z0],
    fov,
    abdominalGas,
    options: o,
    annotations: {
      nodules: L.nodules.map((n) => ({ center: toVoxel(g, ...n.c), radiusMm: n.r, juxtapleural: n.juxtapleural })),
      metal: L.pacemaker ? toVoxel(g, L.pacemaker.can.cx, L.pacemaker.can.cy, L.pacemaker.can.cz) : null,
      tracheostomySlice: L.tracheostomy ? Math.round((L.tracheostomy.z - g.z0) / g.dz) : null,
      abdominalGasMl: (count(abdominalGas) * g.dx * g.dy * g.dz) / 1000,
    },
  }
}
