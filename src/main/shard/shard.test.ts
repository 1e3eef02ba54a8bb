import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { parseShard, shardOf } from './shard'

describe('shardOf', () => {
  it('is the documented Python one-liner: int(sha1(uid)[:8], 16) % N', () => {
    const uids = ['1.2.840.113619.2.55.3.604688119.969.1268071029.320', '1.3.6.1.4.1.14519.5.2.1.6279.6001.179049373636438705059720603192', '2.25.1']
    const py = `import hashlib, sys\nfor u in sys.argv[1:]: print(int(hashlib.sha1(u.encode()).hexdigest()[:8], 16) % 7)`
    const expected = execFileSync('/usr/bin/python3', ['-c', py, ...uids]).toString().trim().split('\n').map(Number)
    expect(uids.map((u) => shardOf(u, 7))).toEqual(expected)
  })

  it('spreads UIDs over every shard', () => {
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 400; i++) counts[shardOf(`1.2.3.${i}`, 4)]!++
    // 100 expected per shard; a hash this uneven would be broken.
    for (const c of counts) expect(c).toBeGreaterThan(60)
  })
})

describe('parseShard', () => {
  it('reads K/N, and auto/N from Slurm (counted from the array minimum) or a Kubernetes Indexed Job', () => {
    expect(parseShard('2/4', {})).toEqual({ k: 2, n: 4 })
    expect(parseShard('auto/4', { SLURM_ARRAY_TASK_ID: '3' })).toEqual({ k: 3, n: 4 })
    expect(parseShard('auto/4', { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1' })).toEqual({ k: 3, n: 4 })
    expect(parseShard('auto/4', { JOB_COMPLETION_INDEX: '0' })).toEqual({ k: 0, n: 4 })
  })

  it('refuses what cannot be a shard, saying why', () => {
    expect(() => parseShard('4/4', {})).toThrow(/0…3/)
    expect(() => parseShard('1/0', {})).toThrow(/at least 1/)
    expect(() => parseShard('a/b', {})).toThrow(/K\/N/)
    expect(() => parseShard('auto/4', {})).toThrow(/SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX/)
  })
})
