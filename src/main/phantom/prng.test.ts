import { describe, expect, it } from 'vitest'
import { Rng, deriveSeed, hashString, normalTable } from './prng'

describe('Rng', () => {
  it('is a pure function of its seed', () => {
    const a = new Rng(42)
    const b = new Rng(42)
    const c = new Rng(43)
    const xs = Array.from({ length: 8 }, () => a.nextU32())
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(xs)
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(xs)
  })

  it('draws uniforms in [0, 1) and standard normals', () => {
    const rng = new Rng(7)
    let lo = 1
    let hi = 0
    for (let i = 0; i < 20000; i++) {
      const u = rng.next()
      lo = Math.min(lo, u)
      hi = Math.max(hi, u)
    }
    expect(lo).toBeGreaterThanOrEqual(0)
    expect(hi).toBeLessThan(1)
    // Mean 0 and variance 1 within a few standard errors (n = 20000: SE of the mean ≈ 0.007).
    const n = 20000
    let sum = 0
    let sq = 0
    for (let i = 0; i < n; i++) {
      const z = rng.normal()
      sum += z
      sq += z * z
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.03)
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.05)
  })

  it('shuffles into a permutation', () => {
    const items = Array.from({ length: 50 }, (_, i) => i)
    const shuffled = new Rng(3).shuffle([...items])
    expect(shuffled).not.toEqual(items)
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items)
  })

  it('derives unrelated streams from labels', () => {
    expect(deriveSeed(1, 'noise')).not.toBe(deriveSeed(1, 'layout'))
    expect(deriveSeed(1, 'noise')).not.toBe(deriveSeed(2, 'noise'))
    expect(deriveSeed(1, 'noise')).toBe(deriveSeed(1, 'noise'))
    expect(hashString('a')).not.toBe(hashString('b'))
  })

  it('builds a normal table with unit spread', () => {
    const t = normalTable(new Rng(5), 1 << 14)
    const mean = t.reduce((a, b) => a + b, 0) / t.length
    const sd = Math.sqrt(t.reduce((a, b) => a + (b - mean) ** 2, 0) / t.length)
    expect(Math.abs(mean)).toBeLessThan(0.05)
    expect(Math.abs(sd - 1)).toBeLessThan(0.05)
  })
})
