import { describe, expect, it } from 'vitest'
import { generatePhantom, type PhantomVolume } from './generate'
import { computeLayout } from './layout'
import { type PhantomOptions, resolveOptions } from './options'
import type { Layout } from './types'

/** Small and noise-free, so HU at a known point is exactly the tissue's value. */
const SMALL: PhantomOptions = {
  seed: 5,
  rows: 128,
  cols: 128,
  pixelSpacing: 2.5,
  slices: 48,
  sliceSpacing: 5,
  noiseSigma: 0,
}

function phantom(extra: PhantomOptions = {}): {
  v: PhantomVolume
  L: Layout
  at: (x: number, y: number, z: number) => number
} {
  const opts = { ...SMALL, ...extra }
  const v = generatePhantom(opts)
  const L = computeLayout(resolveOptions(opts))
  const g = L.grid
  const at = (x: number, y: number, z: number): number => {
    const i = Math.round((x - g.x0) / g.dx)
    const j = Math.round((y - g.y0) / g.dy)
    const k = Math.round((z - g.z0) / g.dz)
    return (k * g.rows + j) * g.cols + i
  }
  return { v, L, at }
}

const AIR_THRESHOLD = -320

/** Voxels reachable from `seed` through air (HU below −320), 6-connected, in the given set of slices. */
function floodAir(v: PhantomVolume, seed: number, slices: [number, number]): Uint8Array {
  const [n, rows, cols] = v.shape
  const seen = new Uint8Array(v.hu.length)
  const queue = new Int32Array(v.hu.length)
  let head = 0
  let tail = 0
  seen[seed] = 1
  queue[tail++] = seed
  const plane = rows * cols
  while (head < tail) {
    const p = queue[head++]!
    const k = Math.floor(p / plane)
    const j = Math.floor((p % plane) / cols)
    const i = p % cols
    const next = [
      i > 0 ? p - 1 : -1,
      i < cols - 1 ? p + 1 : -1,
      j > 0 ? p - cols : -1,
      j < rows - 1 ? p + cols : -1,
      k > slices[0] ? p - plane : -1,
      k < Math.min(slices[1], n - 1) ? p + plane : -1,
    ]
    for (const q of next) {
      if (q < 0 || seen[q] || v.hu[q]! >= AIR_THRESHOLD) continue
      seen[q] = 1
      queue[tail++] = q
    }
  }
  return seen
}

function sum(a: Uint8Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]!
  return s
}

describe('generatePhantom anatomy', () => {
  const { v, L, at } = phantom()
  const b = L.body
  const [right, left] = L.lungs
  const zMid = (right.zApex + right.zBase) / 2

  const t = L.trachea
  const zTrachea = (t.zCarina + L.grid.z0 + (L.grid.slices - 1) * L.grid.dz) / 2

  it('puts air, fat, heart, trachea and spine where the layout says, at their HU', () => {
    expect(v.hu[at(0, b.cy - b.ay - 10, zMid)]).toBe(-1000)
    expect(v.hu[at(b.ax - b.fat / 2, b.cy, zMid)]).toBe(-100)
    expect(v.hu[at(L.heart.cx, L.heart.cy, L.heart.cz)]).toBe(40)
    expect(v.hu[at(t.x, t.y, zTrachea)]).toBe(-1000)
    // Vertebral body centre: cancellous bone, or a disc between vertebrae; both occur along z.
    const spine = new Set<number>()
    for (let k = 0; k < v.shape[0]; k++) spine.add(v.hu[at(0, L.spine.cy, L.grid.z0 + k * L.grid.dz)]!)
    expect([...spine].sort()).toEqual([250, 90].sort())
  })

  it('gives the lung parenchyma about −850 HU with vessels inside', () => {
    const inLung: number[] = []
    for (let p = 0; p < v.hu.length; p++) if (v.lungMask[p]) inLung.push(v.hu[p]!)
    inLung.sort((a, c) => a - c)
    const median = inLung[inLung.length >> 1]!
    expect(median).toBeGreaterThanOrEqual(-865)
    expect(median).toBeLessThanOrEqual(-815)
    const vessel = inLung.filter((h) => h >= 0).length / inLung.length
    expect(vessel).toBeGreaterThan(0.005)
    expect(vessel).toBeLessThan(0.2)
    // No bone or metal in the mask.
    expect(inLung[inLung.length - 1]).toBeLessThan(100)
  })

  it('has ribs (~+700) and a circular field of view padded with −1024', () => {
    expect(v.hu.filter((h) => h === 700).length).toBeGreaterThan(100)
    const fovOut = v.fov.indexOf(0)
    expect(fovOut).toBe(0) // the top-left corner is outside the circle
    for (let k = 0; k < v.shape[0]; k++) {
      expect(v.hu[k * v.fov.length + fovOut]).toBe(-1024)
      expect(v.lungMask[k * v.fov.length + fovOut]).toBe(0)
    }
  })

  it('masks both lungs but not the trachea or the main bronchi outside the lungs', () => {
    const z = right.zBase + 0.55 * (right.zApex - right.zBase)
    expect(v.lungMask[at(right.cx, right.cy, z)]).toBe(1)
    expect(v.lungMask[at(left.cx, left.cy, z)]).toBe(1)
    expect(v.lungMask[at(t.x, t.y, zTrachea)]).toBe(0)
    // Just beside the carina the main bronchi are in the mediastinum: air, not lung.
    for (const br of L.mainBronchi) {
      const p = at(
        br.a[0] + 0.2 * (br.b[0] - br.a[0]),
        br.a[1] + 0.2 * (br.b[1] - br.a[1]),
        br.a[2] + 0.2 * (br.b[2] - br.a[2]),
      )
      expect(v.hu[p]).toBe(-1000)
      expect(v.lungMask[p]).toBe(0)
    }
    const fraction = sum(v.lungMask) / v.lungMask.length
    expect(fraction).toBeGreaterThan(0.04)
    expect(fraction).toBeLessThan(0.2)
  })

  it('keeps outside air and lungs apart in a normal chest', () => {
    const reached = floodAir(v, 0, [0, v.shape[0] - 1])
    let touching = 0
    for (let p = 0; p < reached.length; p++) if (reached[p] && v.lungMask[p]) touching++
    expect(touching).toBe(0)
  })

  it('is deterministic from the seed', () => {
    const again = phantom().v
    expect(Buffer.from(again.hu.buffer).equals(Buffer.from(v.hu.buffer))).toBe(true)
    expect(Buffer.from(again.lungMask.buffer).equals(Buffer.from(v.lungMask.buffer))).toBe(true)
    const other = phantom({ seed: 6 }).v
    expect(Buffer.from(other.hu.buffer).equals(Buffer.from(v.hu.buffer))).toBe(false)
    const noisy = generatePhantom({ ...SMALL, noiseSigma: 20 })
    expect(
      Buffer.from(noisy.hu.buffer).equals(Buffer.from(generatePhantom({ ...SMALL, noiseSigma: 20 }).hu.buffer)),
    ).toBe(true)
  })
})

describe('generatePhantom failure cases', () => {
  it('one_lung: the left lung is soft tissue and out of the mask', () => {
    const normal = phantom().v
    const { v, L, at } = phantom({ case: 'one_lung' })
    const left = L.lungs[1]
    expect(v.hu[at(left.cx, left.cy, (left.zApex + left.zBase) / 2)]).toBe(40)
    const [, rows, cols] = v.shape
    let leftMask = 0
    for (let p = 0; p < v.lungMask.length; p++) if (v.lungMask[p] && L.grid.x0 + (p % cols) * L.grid.dx > 0) leftMask++
    expect(leftMask).toBe(0)
    const ratio = sum(v.lungMask) / sum(normal.lungMask)
    expect(ratio).toBeGreaterThan(0.4)
    expect(ratio).toBeLessThan(0.65)
    expect(rows).toBe(128)
  })

  it('tray: without padding the table cuts the outside air in two; with padding the corners rejoin it', () => {
    // In the middle slice, flood the air from the top-left corner: does it reach the bottom
    // centre of the image, under the patient (and under the table if there is one)?
    const reaches = (v: PhantomVolume): boolean => {
      const [n, rows, cols] = v.shape
      const k = n >> 1
      const corner = k * rows * cols
      const bottomCentre = corner + (rows - 1) * cols + (cols >> 1)
      return floodAir(v, corner, [k, k])[bottomCentre] === 1
    }
    expect(reaches(phantom({ fovPadding: false }).v)).toBe(true)
    expect(reaches(phantom({ case: 'tray', fovPadding: false }).v)).toBe(false)
    expect(reaches(phantom({ case: 'tray' }).v)).toBe(true)
  })

  it('tracheostomy: outside air reaches the lungs through the tube and the airways', () => {
    const { v } = phantom({ case: 'tracheostomy' })
    expect(v.annotations.tracheostomySlice).not.toBeNull()
    const reached = floodAir(v, 0, [0, v.shape[0] - 1])
    let touching = 0
    for (let p = 0; p < reached.length; p++) if (reached[p] && v.lungMask[p]) touching++
    expect(touching).toBeGreaterThan(0.5 * sum(v.lungMask))
  })

  it('pacemaker: metal in the left chest wall and streaks only near its slices', () => {
    const normal = phantom().v
    const { v, L } = phantom({ case: 'pacemaker' })
    const m = v.annotations.metal!
    const plane = v.fov.length
    const [k, j, i] = m.map(Math.round) as [number, number, number]
    expect(v.hu[k * plane + j * v.shape[2] + i]).toBe(3071)
    expect(L.pacemaker!.can.cx).toBeGreaterThan(0)
    const changed = (slice: number): number => {
      let n = 0
      for (let p = slice * plane; p < (slice + 1) * plane; p++) if (Math.abs(v.hu[p]! - normal.hu[p]!) > 100) n++
      return n
    }
    expect(changed(k)).toBeGreaterThan(0.05 * plane)
    expect(changed(0)).toBe(0)
  })

  it('nodules: solid, inside the lung mask, one at the lung wall', () => {
    const { v } = phantom({ case: 'nodules' })
    expect(v.annotations.nodules.length).toBe(4)
    expect(v.annotations.nodules.filter((n) => n.juxtapleural).length).toBe(1)
    for (const n of v.annotations.nodules) {
      const [k, j, i] = n.center.map(Math.round) as [number, number, number]
      const p = (k * v.shape[1] + j) * v.shape[2] + i
      expect(v.hu[p]).toBe(45)
      expect(v.lungMask[p]).toBe(1)
    }
  })
})

describe('generatePhantom storage', () => {
  it('quantises to the slope: slope 2 gives even HU only', () => {
    const v = generatePhantom({ ...SMALL, noiseSigma: 20, rescaleSlope: 2 })
    expect(v.hu.every((h) => h % 2 === 0)).toBe(true)
  })

  it('clips to the 12-bit CT scale −1024..3071', () => {
    const v = generatePhantom({ ...SMALL, noiseSigma: 60, case: 'pacemaker' })
    let lo = Infinity
    let hi = -Infinity
    for (const h of v.hu) {
      lo = Math.min(lo, h)
      hi = Math.max(hi, h)
    }
    expect(lo).toBe(-1024)
    expect(hi).toBe(3071)
  })
})
