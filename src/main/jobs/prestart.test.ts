import { describe, expect, it } from 'vitest'
import type { WorkerPort } from '../../shared/worker'
import { prestartWorkers } from './prestart'

function fakeFactory() {
  const made: Array<WorkerPort & { killed: boolean; exit(): void }> = []
  const factory = (): WorkerPort => {
    const exits: Array<(code: number | null, signal: string | null) => void> = []
    const port = {
      pid: made.length + 1,
      killed: false,
      postMessage() {},
      onMessage() {},
      onExit: (cb: (code: number | null, signal: string | null) => void) => void exits.push(cb),
      kill() {
        port.killed = true
      },
      exit: () => exits.forEach((cb) => cb(1, null)),
    }
    made.push(port)
    return port
  }
  return { made, factory }
}

describe('prestartWorkers', () => {
  it('starts n workers at once, hands them out first, then starts new ones', () => {
    const { made, factory } = fakeFactory()
    const p = prestartWorkers(factory, 2)
    expect(made.length).toBe(2)
    expect(p.spawn().pid).toBe(1)
    expect(p.spawn().pid).toBe(2)
    expect(p.spawn().pid).toBe(3)
    expect(made.length).toBe(3)
    p.dispose()
    expect(made.some((w) => w.killed)).toBe(false)
  })

  it('never hands out one that exited while waiting, and stops the unused ones on dispose', () => {
    const { made, factory } = fakeFactory()
    const p = prestartWorkers(factory, 3)
    made[0]!.exit()
    expect(p.spawn().pid).toBe(2)
    p.dispose()
    expect(made.map((w) => w.killed)).toEqual([false, false, true])
    expect(p.spawn().pid).toBe(4) // after dispose: a fresh one
  })
})
