import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { CuratorError } from '../../shared/errors'
import { decodeNpy, encodeNpy, npyHeader, readNpy, writeNpy } from './npy'

const run = promisify(execFile)
const PYTHON = '/usr/bin/python3'
const dir = await mkdtemp(join(tmpdir(), 'npy-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

const int16 = Int16Array.from({ length: 2 * 3 * 4 }, (_, i) => (i - 12) * 1000)
const uint8 = Uint8Array.from({ length: 5 * 7 }, (_, i) => (i * 37) % 256)
const float32 = Float32Array.from({ length: 6 }, (_, i) => i / 3 - 1)

describe('npy header', () => {
  it('pads magic + version + length + dict to a multiple of 64 and ends in a newline', () => {
    for (const shape of [
      [1],
      [2, 3, 4],
      [300, 512, 512],
      [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    ]) {
      const h = npyHeader('int16', shape)
      expect(h.length % 64).toBe(0)
      expect(h[h.length - 1]).toBe(0x0a)
      expect(h[8]! | (h[9]! << 8)).toBe(h.length - 10)
    }
    const text = new TextDecoder().decode(npyHeader('uint8', [7]).subarray(10))
    expect(text.trim()).toBe("{'descr': '|u1', 'fortran_order': False, 'shape': (7,), }")
  })
})

describe('npy round trip', () => {
  it('decodes what it encodes, for each dtype', () => {
    const a = decodeNpy(encodeNpy(int16, [2, 3, 4]))
    expect(a).toEqual({ data: int16, shape: [2, 3, 4], dtype: 'int16' })
    expect(decodeNpy(encodeNpy(uint8, [5, 7]))).toEqual({ data: uint8, shape: [5, 7], dtype: 'uint8' })
    expect(decodeNpy(encodeNpy(float32, [6]))).toEqual({ data: float32, shape: [6], dtype: 'float32' })
  })

  it('rejects a shape that does not match the data, and non-npy bytes', () => {
    expect(() => encodeNpy(int16, [5, 5])).toThrow(CuratorError)
    expect(() => decodeNpy(new TextEncoder().encode('hello, this is not numpy'))).toThrow(/bad magic/)
    const cut = encodeNpy(int16, [2, 3, 4]).subarray(0, 100)
    expect(() => decodeNpy(cut)).toThrow(/data bytes/)
  })
})

describe('npy and numpy', () => {
  it('numpy reads our files with the right dtype, shape and values', async () => {
    await writeNpy(join(dir, 'a.npy'), int16, [2, 3, 4])
    await writeNpy(join(dir, 'b.npy'), uint8, [5, 7])
    await writeNpy(join(dir, 'c.npy'), float32, [6])
    const script = `
import json, sys, numpy as np
out = {}
for name in ['a', 'b', 'c']:
    x = np.load(sys.argv[1] + '/' + name + '.npy')
    out[name] = {'dtype': str(x.dtype), 'shape': list(x.shape), 'c': bool(x.flags['C_CONTIGUOUS']), 'values': x.ravel().tolist()}
print(json.dumps(out))
`
    const { stdout } = await run(PYTHON, ['-c', script, dir])
    const out = JSON.parse(stdout)
    expect(out.a).toEqual({ dtype: 'int16', shape: [2, 3, 4], c: true, values: Array.from(int16) })
    expect(out.b).toEqual({ dtype: 'uint8', shape: [5, 7], c: true, values: Array.from(uint8) })
    expect(out.c.dtype).toBe('float32')
    expect(out.c.values).toEqual(Array.from(float32))
  })

  it('reads what numpy writes: version 1.0 and 2.0, big-endian, bool; refuses Fortran order', async () => {
    const script = `
import sys, numpy as np
d = sys.argv[1]
a = (np.arange(24, dtype='<i2').reshape(2, 3, 4) - 12) * 1000
np.save(d + '/np_i2.npy', a)
np.save(d + '/np_be.npy', a.astype('>i2'))
np.save(d + '/np_bool.npy', np.array([[True, False, True]]))
np.save(d + '/np_f4.npy', np.linspace(-1, 1, 5, dtype='<f4'))
with open(d + '/np_v2.npy', 'wb') as f:
    np.lib.format.write_array(f, a, version=(2, 0))
np.save(d + '/np_fortran.npy', np.asfortranarray(a))
`
    await run(PYTHON, ['-c', script, dir])
    const expected = Array.from(int16)
    for (const name of ['np_i2', 'np_be', 'np_v2']) {
      const x = await readNpy(join(dir, `${name}.npy`))
      expect(x.dtype).toBe('int16')
      expect(x.shape).toEqual([2, 3, 4])
      expect(Array.from(x.data)).toEqual(expected)
    }
    const b = await readNpy(join(dir, 'np_bool.npy'))
    expect(b).toMatchObject({ dtype: 'uint8', shape: [1, 3] })
    expect(Array.from(b.data)).toEqual([1, 0, 1])
    const f = await readNpy(join(dir, 'np_f4.npy'))
    expect(Array.from(f.data)).toEqual([-1, -0.5, 0, 0.5, 1])
    await expect(readNpy(join(dir, 'np_fortran.npy'))).rejects.toThrow(/Fortran/)
  })

  it('writes the same bytes numpy.save writes for the same array', async () => {
    await writeFile(join(dir, 'ours_a.npy'), encodeNpy(int16, [2, 3, 4]))
    await writeFile(join(dir, 'ours_b.npy'), encodeNpy(uint8, [35]))
    await writeFile(join(dir, 'ours_c.npy'), encodeNpy(new Float32Array(300 * 4), [300, 2, 2]))
    const script = `
import sys, numpy as np
for n in 'abc':
    np.save(sys.argv[1] + '/theirs_' + n + '.npy', np.load(sys.argv[1] + '/ours_' + n + '.npy'))
`
    await run(PYTHON, ['-c', script, dir])
    for (const n of 'abc') {
      const ours = await readFile(join(dir, `ours_${n}.npy`))
      const theirs = await readFile(join(dir, `theirs_${n}.npy`))
      expect(ours.equals(theirs)).toBe(true)
    }
  })
})
