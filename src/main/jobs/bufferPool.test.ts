import { describe, expect, it } from 'vitest'
import { BufferPool, Carver } from './bufferPool'

describe('BufferPool', () => {
  it('hands back the smallest free buffer that fits, else fresh memory', () => {
    const pool = new BufferPool(3)
    const a = pool.take(100)
    const b = pool.take(300)
    expect(a.byteLength).toBe(100)
    pool.give(a)
    pool.give(b)
    pool.give(b) // twice is once
    expect(pool.take(50)).toBe(a)
    expect(pool.take(50)).toBe(b)
    const c = pool.take(50)
    expect(c).not.toBe(a)
    expect(c).not.toBe(b)
    expect(c.byteLength).toBe(50)
  })

  it('turns memory it cannot get into OUT_OF_MEMORY with the size', () => {
    expect(() => new BufferPool().take(2 ** 50)).toThrow(expect.objectContaining({ code: 'OUT_OF_MEMORY', message: expect.stringMatching(/1125899907 MB/) }))
  })

  it('keeps only the largest buffers', () => {
    const pool = new BufferPool(2)
    const sizes = [10, 40, 20, 30]
    for (const n of sizes) pool.give(new ArrayBuffer(n))
    expect(pool.heldBytes).toBe(70)
    expect(pool.take(35).byteLength).toBe(40)
    expect(pool.take(1).byteLength).toBe(30)
    expect(pool.heldBytes).toBe(0)
  })

  it('holds the largest buffers that fit under its byte cap', () => {
    const pool = new BufferPool(6, 100)
    for (const n of [30, 50, 40]) pool.give(new ArrayBuffer(n))
    expect(pool.heldBytes).toBe(90) // 50 + 40; 30 more would pass the cap
    pool.give(new ArrayBuffer(200)) // alone over the cap
    expect(pool.heldBytes).toBe(90)
    expect(pool.take(1).byteLength).toBe(40)
  })
})

describe('Carver', () => {
  it('carves disjoint arrays from one buffer, then takes from the pool', () => {
    const pool = new BufferPool()
    const spare = new ArrayBuffer(8)
    pool.give(spare)
    const buf = new ArrayBuffer(10)
    const carve = new Carver(buf, pool)
    const x = carve.u8(4)
    const y = carve.u8(6)
    expect([x.buffer, x.byteOffset, y.buffer, y.byteOffset]).toEqual([buf, 0, buf, 4])
    const z = carve.u8(5) // no room left: the pool's spare
    expect(z.buffer).toBe(spare)
    const w = carve.u8(5) // pool empty: fresh
    expect(w.buffer).not.toBe(buf)
    expect(carve.extra).toEqual([spare, w.buffer])
  })
})
