/**
 * Last pass over the volume: Gaussian noise, the circular field of view, clipping to the 12-bit
 * CT scale and quantisation to what the storage can represent. Noise comes from a seeded table
 * of normal samples indexed by mulberry32 bits: one generator step per voxel, no allocation.
 */
import { HU_MAX, HU_MIN } from './options'
import { Rng, deriveSeed, normalTable } from './prng'
import { PADDING_HU, quantizeTable, type StorageInfo } from './storage'
import type { Layout } from './types'

/** 1 inside the circle of radius L.fovRadius about the image centre; all 1 without padding. */
export function fovMask(L: Layout, padded: boolean): Uint8Array {
  const g = L.grid
  const fov = new Uint8Array(g.rows * g.cols)
  if (!padded) return fov.fill(1)
  const r2 = L.fovRadius * L.fovRadius
  for (let j = 0; j < g.rows; j++) {
    const y = g.y0 + j * g.dy
    for (let i = 0; i < g.cols; i++) {
      const x = g.x0 + i * g.dx
      fov[j * g.cols + i] = x * x + y * y <= r2 ? 1 : 0
    }
  }
  return fov
}

export function finalizeVolume(hu: Int16Array, fov: Uint8Array, sigma: number, seed: number, info: StorageInfo): void {
  const rng = new Rng(deriveSeed(seed, 'noise'))
  const table = normalTable(rng)
  for (let t = 0; t < table.length; t++) table[t]! *= sigma
  const quant = quantizeTable(info)
  const plane = fov.length
  for (let base = 0; base < hu.length; base += plane) {
    for (let p = 0; p < plane; p++) {
      const index = base + p
      if (fov[p] === 0) {
        hu[index] = PADDING_HU
        continue
      }
      let v = hu[index]! + Math.round(table[rng.nextU32() >>> 16]!)
      v = v < HU_MIN ? HU_MIN : v > HU_MAX ? HU_MAX : v
      hu[index] = quant[v - HU_MIN]!
    }
  }
}
