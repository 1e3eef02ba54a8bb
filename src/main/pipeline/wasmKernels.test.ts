import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { uniform as random } from '../phantom/prng'
import { zoomCubic, zoomScratchLength } from './resampleBSpline'
import { WasmKernels, setWasmKernels } from './wasmKernels'

const root = join(import.meta.dirname, '..', '..', '..')

function volume(shape: number[], seed: number): Int16Array {
  const next = random(seed)
  const v = new Int16Array(shape[0]! * shape[1]! * shape[2]!)
  // Smooth structure, noise and saturated extremes (the int16 clipping of the result).
  for (let i = 0; i < v.length; i++) v[i] = next() < 0.01 ? (next() < 0.5 ? -32768 : 32767) : Math.round(-1000 + 1400 * Math.sin(i / 97) + 200 * next())
  return v
}

function zoom(src: Int16Array, shape: number[], outShape: number[], kernels: boolean): Int16Array {
  setWasmKernels(kernels)
  return zoomCubic(src, shape, outShape)
}

describe('zoom kernels (WebAssembly)', () => {
  afterEach(() => setWasmKernels(true))

  it('run here', () => {
    expect(WasmKernels.create(1 << 16)).not.toBeNull()
  })

  it('give the same bits as the JavaScript loops: both pass orders, odd widths, chunk tails, clipping', () => {
    const cases: Array<[number[], number[]]> = [
      [[30, 64, 64], [45, 45, 45]], // in-plane first (float32 intermediate in the plane)
      [[60, 33, 37], [20, 47, 41]], // z first, odd widths (the kernels' scalar tails)
      [[17, 129, 75], [23, 90, 53]],
      [[5, 40, 300], [9, 31, 211]], // a z pass whose last chunk is short
      [[1, 50, 50], [1, 35, 35]], // one slice: z lines of length 1
    ]
    for (const [k, [shape, outShape]] of cases.entries()) {
      const src = volume(shape, 100 + k)
      const js = zoom(src, shape, outShape, false)
      const wasm = zoom(src, shape, outShape, true)
      expect(wasm.findIndex((v, i) => v !== js[i]), `case ${k}`).toBe(-1)
    }
  })

  it('reuse scratch and result buffers like the pipeline (the intermediate over the source)', () => {
    const shape = [12, 100, 100]
    const outShape = [15, 70, 70]
    const src = volume(shape, 9)
    const js = zoom(src, shape, outShape, false)
    const own = Int16Array.from(src)
    setWasmKernels(true)
    const out = zoomCubic(own, shape, outShape, { scratch: new Float32Array(own.buffer, 0, zoomScratchLength(shape, outShape)), dst: new Int16Array(15 * 70 * 70) })
    expect(out.findIndex((v, i) => v !== js[i])).toBe(-1)
  })

  it('are compiled from wasm/kernels.ts as committed', () => {
    const out = execFileSync(process.execPath, [join(root, 'scripts', 'buildWasm.mjs'), '--check'], { cwd: root, encoding: 'utf8' })
    expect(out).toMatch(/up to date/)
  }, 60_000)
})
