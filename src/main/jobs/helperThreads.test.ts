import { afterAll, describe, expect, it } from 'vitest'
import { uniform } from '../phantom/prng'
import { zoomCubic } from '../pipeline/resampleBSpline'
import { zoomLinear } from '../pipeline/resampleLinear'
import { zoomScratchLength } from '../pipeline/resampleSeparable'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { encodeNpy } from '../io/npy'
import { readHeader } from '../dicom/header'
import type { HeaderRecord } from '../dicom/types'
import { loadClaimedSlices, loadHuVolume } from '../dicom/loadVolume'
import { writePhantomSeries } from '../phantom/index'
import { generatePhantom } from '../phantom/generate'
import { segmentLungsSeedBoth } from '../pipeline/segmentLungs'
import {
  helperCalls,
  lastZoomSplit,
  stopHelpers,
  warmHelpers,
  helpersLoaded,
  onHelper,
  segmentLungsSeedBothParallel,
  writeNpyOnHelper,
  zoomParallel,
} from './helperThreads'

afterAll(() => stopHelpers())

/** A CT-like int16 volume in shared memory: smooth structure, noise, one bright spot. */
function sharedVolume(shape: number[], seed: number): Int16Array {
  const [nz, ny, nx] = shape as [number, number, number]
  const v = new Int16Array(new SharedArrayBuffer(nz * ny * nx * 2))
  const rnd = uniform(seed)
  for (let z = 0, i = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++)
        v[i] = Math.round(
          -1000 + 1000 * Math.sin(x / 9 + z / 5) * Math.cos(y / 7) + 200 * rnd() + (x === 40 && y === 50 ? 3000 : 0),
        )
  return v
}

/** Voxels that differ (toEqual on millions of elements takes vitest half a minute). */
function differing(a: Int16Array, b: Int16Array): number {
  if (a.length !== b.length) return Infinity
  let n = 0
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++
  return n
}

function parallelBuffers(shape: number[], outShape: number[]): { scratch: Float32Array; dst: Int16Array } {
  const m = outShape.reduce((a, b) => a * b, 1)
  return {
    scratch: new Float32Array(new SharedArrayBuffer(zoomScratchLength(shape, outShape) * 4)),
    dst: new Int16Array(new SharedArrayBuffer(m * 2)),
  }
}

describe('zoomParallel', () => {
  it('loads its helper thread', async () => {
    expect(warmHelpers(2)).toBe(1)
    expect(await helpersLoaded()).toBe(1)
  }, 30_000)

  // z grows (in-plane pass first) and z shrinks (z pass first): both pass orders, cubic and linear.
  for (const [kind, shape, outShape] of [
    ['cubic', [40, 256, 256], [80, 230, 230]],
    ['cubic', [200, 160, 160], [50, 300, 300]],
    ['linear', [40, 256, 256], [80, 230, 230]],
  ] as const) {
    it(`${kind} ${shape.join('×')} → ${outShape.join('×')}: bit-identical to one thread, with the helper doing a share`, async () => {
      const src = sharedVolume([...shape], 7)
      const ref = (kind === 'cubic' ? zoomCubic : zoomLinear)(src, shape, outShape)
      const got = await zoomParallel(kind, src, shape, outShape, parallelBuffers([...shape], [...outShape]), 2)
      expect(differing(got, ref)).toBe(0)
      // The helper claimed units of its own (it was loaded before the zoom began).
      expect(lastZoomSplit.byCaller).toBeGreaterThan(0)
      expect(lastZoomSplit.byCaller).toBeLessThan(lastZoomSplit.units)
    }, 60_000)
  }

  it('writes the result over its source, as the pipeline has it do', async () => {
    const shape = [100, 256, 256]
    const outShape = [110, 200, 200]
    const src = sharedVolume(shape, 3)
    const ref = zoomCubic(src, shape, outShape)
    const { scratch } = parallelBuffers(shape, outShape)
    const dst = new Int16Array(
      src.buffer,
      0,
      outShape.reduce((a, b) => a * b, 1),
    )
    const got = await zoomParallel('cubic', src, shape, outShape, { scratch, dst }, 2)
    expect(differing(got, ref)).toBe(0)
    expect(lastZoomSplit.byCaller).toBeLessThan(lastZoomSplit.units)
  }, 60_000)

  it('writes the intermediate over its source where it fits, split or not, with the same result', async () => {
    const shape = [120, 256, 256]
    const outShape = [150, 180, 180] // a zoomed float32 slice (129,600 B) fits in a source slice (131,072 B)
    const ref = zoomCubic(sharedVolume(shape, 9), shape, outShape)
    const m = outShape.reduce((a, b) => a * b, 1)
    const need = zoomScratchLength(shape, outShape)
    for (const threads of [2, 1]) {
      const src = sharedVolume(shape, 9)
      const scratch = new Float32Array(src.buffer, 0, need)
      const got = await zoomParallel(
        'cubic',
        src,
        shape,
        outShape,
        { scratch, dst: new Int16Array(new SharedArrayBuffer(m * 2)) },
        threads,
      )
      expect(differing(got, ref)).toBe(0)
      if (threads === 2) expect(lastZoomSplit.byCaller).toBeLessThan(lastZoomSplit.units)
    }
    // Where it does not fit, sharing is refused rather than computed wrong.
    const [bs, bo] = [
      [200, 160, 160],
      [50, 300, 300],
    ] // the z pass goes first: its intermediate would overwrite unread slices
    const src = sharedVolume(bs, 1)
    const bad = {
      scratch: new Float32Array(src.buffer, 0, zoomScratchLength(bs, bo)),
      dst: new Int16Array(new SharedArrayBuffer(50 * 300 * 300 * 2)),
    }
    await expect(zoomParallel('cubic', src, bs, bo, bad, 2)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' })
  }, 60_000)

  it('runs on the caller alone for plain (unshared) buffers or a single thread, with the same result', async () => {
    const shape = [40, 256, 256]
    const outShape = [80, 230, 230]
    const src = sharedVolume(shape, 5)
    const ref = zoomCubic(src, shape, outShape)
    const m = outShape.reduce((a, b) => a * b, 1)
    lastZoomSplit.units = -1
    const plain = await zoomParallel(
      'cubic',
      src,
      shape,
      outShape,
      { scratch: new Float32Array(zoomScratchLength(shape, outShape)), dst: new Int16Array(m) },
      2,
    )
    expect(differing(plain, ref)).toBe(0)
    expect(lastZoomSplit.units).toBe(-1) // not split
    const one = await zoomParallel('cubic', src, shape, outShape, parallelBuffers(shape, outShape), 1)
    expect(differing(one, ref)).toBe(0)
    expect(lastZoomSplit.units).toBe(-1)
  }, 60_000)
})

describe('writeNpyOnHelper', () => {
  it('writes the same .npy as writeNpyAtomic, from the helper or inline, leaving no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctc-helper-npy-'))
    try {
      const v = sharedVolume([4, 30, 20], 11)
      expect(warmHelpers(2)).toBe(1)
      expect(await helpersLoaded()).toBe(1)
      for (const threads of [2, 1]) {
        const path = join(dir, `v${threads}.npy`)
        const answered = helperCalls.answered
        const bytes = await writeNpyOnHelper(path, v, [4, 30, 20], threads)
        const want = encodeNpy(v, [4, 30, 20])
        expect(bytes).toBe(want.byteLength)
        expect(helperCalls.answered - answered).toBe(threads === 2 ? 1 : 0)
        expect(Buffer.compare(readFileSync(path), Buffer.from(want.buffer, want.byteOffset, want.byteLength))).toBe(0)
      }
      expect(readdirSync(dir).sort()).toEqual(['v1.npy', 'v2.npy'])
      // A failure on the helper (no such folder) comes back as the inline write's error.
      await expect(writeNpyOnHelper(join(dir, 'missing', 'x.npy'), v, [4, 30, 20], 2)).rejects.toMatchObject({
        code: 'ENOENT',
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 30_000)
})

describe('loadHuVolume with a helper', () => {
  it('loads the same volume and range when a helper reads some slices, and when a helper fails half-way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctc-helper-load-'))
    try {
      const { files } = await writePhantomSeries(dir, {
        seed: 3,
        case: 'normal',
        rows: 64,
        cols: 64,
        slices: 40,
        pixelSpacing: 5,
        sliceSpacing: 5,
      })
      // The generator returns absolute paths; headers carry them relative to the root.
      const headers: HeaderRecord[] = files.map((abs) => {
        const f = relative(dir, abs)
        const h = readHeader(abs, f, statSync(abs).size, statSync(abs).mtimeMs)
        if (!('rows' in h)) throw new Error(`${f} skipped`)
        return h
      })
      const ref = await loadHuVolume(dir, headers, 'seed')
      expect(warmHelpers(2)).toBe(1)
      expect(await helpersLoaded()).toBe(1)
      // Which thread claims which slice is up to the scheduler: on a busy machine the caller can
      // take all 40 small slices before the helper starts, so a few loads are allowed for the
      // helper to take part in one; every load must equal the reference.
      let helped = 0
      for (let attempt = 0; attempt < 20 && helped === 0; attempt++) {
        const shared = await loadHuVolume(
          dir,
          headers,
          'seed',
          new SharedArrayBuffer(64 * 64 * 40 * 2),
          async (hu, claims) => {
            const r = await onHelper<Awaited<ReturnType<typeof loadClaimedSlices>> | null>(
              'loadClaimedSlices',
              [dir, headers, 'seed', hu, claims],
              () => null,
              { shared: [hu], threads: 2 },
            )
            for (let z = 0; z < 40; z++) if (claims[1 + z] === 2) helped++
            return r
          },
        )
        expect(differing(shared.hu, ref.hu)).toBe(0)
        expect([shared.huMin, shared.huMax, shared.storedBytes]).toEqual([ref.huMin, ref.huMax, ref.storedBytes])
      }
      expect(helped).toBeGreaterThan(0)
      // A helper that claims two slices, leaves garbage in them and fails: the caller loads them again.
      const failed = await loadHuVolume(
        dir,
        headers,
        'seed',
        new SharedArrayBuffer(64 * 64 * 40 * 2),
        async (hu, claims) => {
          for (let k = 0; k < 2; k++) {
            const z = Atomics.add(claims, 0, 1)
            hu.fill(1234, z * 64 * 64, (z + 1) * 64 * 64)
            Atomics.store(claims, 1 + z, 2)
          }
          await Promise.resolve()
          return null
        },
      )
      expect(differing(failed.hu, ref.hu)).toBe(0)
      expect([failed.huMin, failed.huMax, failed.storedBytes]).toEqual([ref.huMin, ref.huMax, ref.storedBytes])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

describe('segmentLungsSeedBothParallel', () => {
  it("gives segmentLungsSeedBoth's masks, with the helper filling some slices, and on one thread", async () => {
    const vol = generatePhantom({
      seed: 5,
      case: 'normal',
      rows: 96,
      cols: 96,
      slices: 60,
      pixelSpacing: 4,
      sliceSpacing: 4,
    })
    const ref = segmentLungsSeedBoth(vol.hu, vol.shape)
    expect(warmHelpers(2)).toBe(1)
    expect(await helpersLoaded()).toBe(1)
    for (const threads of [2, 1]) {
      const m = vol.hu.length
      const answered = helperCalls.answered
      const got = await segmentLungsSeedBothParallel(
        vol.hu,
        vol.shape,
        { fill: new Uint8Array(new SharedArrayBuffer(m)), noFill: new Uint8Array(new SharedArrayBuffer(m)) },
        threads,
      )
      expect(helperCalls.answered - answered).toBe(threads === 2 ? 1 : 0)
      let diff = 0
      for (let i = 0; i < m; i++) diff += got.fill[i] !== ref.fill[i] || got.noFill[i] !== ref.noFill[i] ? 1 : 0
      expect(diff).toBe(0)
      expect(ref.fill.reduce((a, b) => a + b, 0)).toBeGreaterThan(1000)
    }
  }, 60_000)
})
