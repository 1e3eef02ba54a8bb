/**
 * Child process of the indexing benchmark: one scanRoot in a fresh process (cold JIT, as the
 * CLI runs it), timed around the call only (module loading excluded). Prints one JSON line.
 *
 *   node --import tsx test/bench/scanChild.ts <root> [--db <file>] [--breakdown [--cached-db <file>]]
 *
 * --breakdown: after one warm-up scan, times the parts of indexing separately (walk, raw
 * open/read/close, readHeader, grouping) to show where the time goes; with --cached-db (a
 * database that already indexed <root>) also what a rescan that must regroup does per file:
 * load the cached rows and decode every stored header.
 */
import { closeSync, openSync, readSync } from 'node:fs'
import { isSkipped, readHeader } from '../../src/main/dicom/header'
import { decodeHeader, encodeHeader } from '../../src/main/dicom/headerCodec'
import { scanRoot } from '../../src/main/dicom/scanRoot'
import { groupAndChoose } from '../../src/main/dicom/series'
import type { HeaderRecord } from '../../src/main/dicom/types'
import { walk } from '../../src/main/dicom/walk'
import { openDb } from '../../src/main/store/db'

export interface ScanChildResult {
  seconds: number
  files: number
  indexed: number
  reused: number
  series: number
  skipped: number
  breakdown?: Record<string, number>
}

const args = process.argv.slice(2)
const root = args[0]
if (!root) throw new Error('usage: scanChild.ts <root> [--db <file>] [--breakdown]')
const dbIndex = args.indexOf('--db')
const dbFile = dbIndex >= 0 ? args[dbIndex + 1] : undefined
const cachedIndex = args.indexOf('--cached-db')
const cachedDbFile = cachedIndex >= 0 ? args[cachedIndex + 1] : undefined

const db = dbFile ? openDb(dbFile) : undefined
const t0 = performance.now()
const r = await scanRoot(root, { db })
const seconds = (performance.now() - t0) / 1000
db?.close()

const result: ScanChildResult = {
  seconds,
  files: r.stats.files,
  indexed: r.stats.indexed,
  reused: r.stats.reused,
  series: r.series.length,
  skipped: r.skipped.length,
}

if (args.includes('--breakdown')) {
  const time = <T>(f: () => T): [T, number] => {
    const t = performance.now()
    const v = f()
    return [v, (performance.now() - t) / 1000]
  }
  const timeAsync = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
    const t = performance.now()
    const v = await f()
    return [v, (performance.now() - t) / 1000]
  }
  const [walked, walkS] = await timeAsync(() => walk(root))
  const files = walked.files
  const buf = new Uint8Array(16 * 1024)
  const [, ioS] = time(() => {
    for (const f of files) {
      const fd = openSync(f.abs, 'r')
      readSync(fd, buf, 0, Math.min(buf.length, f.size), 0)
      closeSync(fd)
    }
  })
  const [headers, headerS] = time(() => {
    const out: HeaderRecord[] = []
    for (const f of files) {
      const h = readHeader(f.abs, f.rel, f.size, f.mtimeMs)
      if (!isSkipped(h)) out.push(h)
    }
    return out
  })
  const [, groupS] = time(() => groupAndChoose(headers, 'robust', new Map()))
  const [, jsonS] = time(() => {
    let n = 0
    for (const h of headers) n += encodeHeader(h).length
    return n
  })
  result.breakdown = {
    walk: walkS,
    rawIo: ioS,
    readHeader: headerS,
    group: groupS,
    headerJson: jsonS,
  }
  if (cachedDbFile) {
    const cdb = openDb(cachedDbFile)
    const [rows, selectS] = time(() => {
      type Row = { path: string; size: number; mtime_ms: number; header_json: string | null }
      const m = new Map<string, Row>()
      for (const row of cdb.prepare('SELECT * FROM files').iterate() as Iterable<Row>) {
        m.set(row.path, row)
      }
      return m
    })
    const [, parseS] = time(() => {
      let n = 0
      for (const row of rows.values()) if (row.header_json) n += decodeHeader(row.header_json, row.path, row.size, row.mtime_ms).rows
      return n
    })
    cdb.close()
    result.breakdown.dbSelect = selectS
    result.breakdown.dbJsonParse = parseS
  }
}

console.log(JSON.stringify(result))
