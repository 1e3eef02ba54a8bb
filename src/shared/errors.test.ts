import { describe, expect, it } from 'vitest'
import { CuratorError, toErrorInfo } from './errors'

describe('toErrorInfo', () => {
  it('keeps our codes, calls a failed typed-array allocation OUT_OF_MEMORY and anything else INTERNAL', () => {
    expect(toErrorInfo(new CuratorError('NOT_CT', 'MR', 'a/b.dcm'))).toEqual({ code: 'NOT_CT', message: 'MR', path: 'a/b.dcm' })
    let oom: unknown
    try {
      new ArrayBuffer(2 ** 50)
    } catch (err) {
      oom = err
    }
    expect(toErrorInfo(oom).code).toBe('OUT_OF_MEMORY')
    expect(toErrorInfo(new RangeError('Invalid array length')).code).toBe('INTERNAL')
    expect(toErrorInfo('boom')).toEqual({ code: 'INTERNAL', message: 'boom' })
  })
})
