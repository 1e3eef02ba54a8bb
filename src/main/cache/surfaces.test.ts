import { describe, expect, it } from 'vitest'
import { decodeSurface, encodeSurface } from './surfaces'

describe('surface files', () => {
  it('round-trips points and triangles and refuses a file cut short', () => {
    const mesh = { points: new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]), triangles: new Uint32Array([0, 1, 2]) }
    const bytes = encodeSurface(mesh)
    const s = decodeSurface(bytes, 't')
    expect(s.points).toBe(3)
    expect(s.triangles).toBe(1)
    expect([...new Float32Array(s.data, 0, 9)]).toEqual([...mesh.points])
    expect([...new Uint32Array(s.data, 36, 3)]).toEqual([0, 1, 2])
    expect(() => decodeSurface(bytes.subarray(0, bytes.length - 4), 't')).toThrow(/holds/)
  })
})
