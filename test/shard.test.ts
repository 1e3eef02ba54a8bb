/**
 * Sharded processing as a cluster runs it: 4 `ct-curator process --shard` processes at once on
 * the demo cohort (two of them started by docs/cluster's sbatch script and Indexed Job command,
 * told their index the way Slurm and Kubernetes tell it), merged,
 * against one unsharded run of the same cohort. Real child processes, real SQLite files.
 */
import { execFile, execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { readMask } from '../src/main/cache/volumes'
import { openDb } from '../src/main/store/db'
import { CLI, ct } from './helpers/cli'
import { tempDir } from './helpers/tmp'

const run = promisify(execFile)
const DOCS = join(import.meta.dirname, '..', 'docs', 'cluster')

interface K8sJob {
  spec: {
    completionMode: string
    completions: number
    template: { spec: { containers: Array<{ command: string[]; args: string[]; env: Array<{ name: string; value: string }> }> } }
  }
}

/** `status --json` without what differs between any two runs: row ids and timings. */
async function statusOf(db: string): Promise<unknown[]> {
  const r = await ct(['status', '--db', db, '--json'])
  expect(r.code, r.stderr).toBe(0)
  const scans = JSON.parse(r.stdout) as Array<Record<string, unknown>>
  return scans
    .map(({ id: _id, timingsMs: _t, ...rest }) => rest)
    .sort((a, b) => String(a.folder).localeCompare(String(b.folder)))
}

/** Every row of the tables a merge writes, ids included: merging twice must not change one. */
function dump(db: string): string {
  const d = openDb(db)
  const out = ['roots', 'scans', 'runs', 'reviews', 'series', 'files'].map((t) => JSON.stringify(d.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()))
  d.close()
  return out.join('\n')
}

describe('process --shard, then merge', () => {
  const dir = tempDir()
  const cohort = join(dir, 'cohort')
  const single = join(dir, 'single.sqlite')
  const shard = (k: number): string => join(dir, `shard-${k}.sqlite`)
  const merged = join(dir, 'merged.sqlite')

  beforeAll(async () => {
    expect((await ct(['demo', cohort, '--patients', '8'])).code).toBe(0)
    const base: NodeJS.ProcessEnv = { ...process.env, SLURM_ARRAY_TASK_ID: undefined, SLURM_ARRAY_TASK_MIN: undefined, JOB_COMPLETION_INDEX: undefined }
    const here = { SRC: cohort, OUT: dir, SHARDS: '4', WORKERS: '1', CT_CURATOR: `${process.execPath} ${CLI}` }
    const shardRun = async (k: number): Promise<unknown> => {
      // Shard 1 runs the documented sbatch script as a Slurm array task of --array=1-4 would;
      // shard 2 the Kubernetes Indexed Job's container command, with the manifest's environment.
      if (k === 1) {
        const env = { ...base, ...here, SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '1', TMPDIR: dir }
        return run('/bin/bash', [join(DOCS, 'curate.sbatch')], { env })
      }
      if (k === 2) {
        const job = JSON.parse(
          execFileSync('/usr/bin/python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', join(DOCS, 'curate-job.yaml')]).toString(),
        ) as K8sJob
        const c = job.spec.template.spec.containers[0]!
        expect(job.spec.completionMode).toBe('Indexed')
        expect(String(job.spec.completions)).toBe(c.env.find((e) => e.name === 'SHARDS')!.value)
        const fromManifest = Object.fromEntries(c.env.map((e) => [e.name, e.value]))
        const env = { ...base, ...fromManifest, ...here, SCRATCH: join(dir, 'scratch-2'), JOB_COMPLETION_INDEX: '2' }
        return run(c.command[0]!, [...c.command.slice(1), ...c.args], { env })
      }
      return run(process.execPath, [CLI, 'process', cohort, '--db', shard(k), '--shard', `${k}/4`, '--workers', '1'], { env: base })
    }
    await Promise.all([ct(['process', cohort, '--db', single, '--workers', '1']), ...[0, 1, 2, 3].map(shardRun)])
  }, 900_000)

  it('partitions the cohort: every scan in exactly one shard', async () => {
    const uids = (db: string): string[] => {
      const d = openDb(db)
      const u = d.prepare('SELECT series_uid FROM scans').pluck().all() as string[]
      d.close()
      return u
    }
    const all = uids(single).sort()
    expect(all).toHaveLength(8)
    const parts = [0, 1, 2, 3].map((k) => uids(shard(k)))
    expect(parts.flat().sort()).toEqual(all)
    // 8 scans over 4 shards: a partition that put everything in one shard would be no partition.
    expect(parts.filter((p) => p.length > 0).length).toBeGreaterThan(1)
  })

  it('the merged database reports what one process reports, and its volumes open', async () => {
    const r = await ct(['merge', merged, ...[0, 1, 2, 3].map(shard), '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ shards: 4, scansAdded: 8, runsAdded: 8 })
    const expected = await statusOf(single)
    expect((expected as Array<{ status: string }>).every((s) => s.status === 'done' || s.status === 'failed')).toBe(true)
    expect(await statusOf(merged)).toEqual(expected)
    // Volumes stayed in the shards' caches: the merged runs point at them.
    const d = openDb(merged)
    const dirs = d.prepare('SELECT cache_dir FROM runs WHERE cache_dir IS NOT NULL').pluck().all() as string[]
    d.close()
    expect(dirs.length).toBeGreaterThan(0)
    for (const c of dirs) {
      expect(c.startsWith(dir) && /shard-\d\.sqlite\.cache/.test(c)).toBe(true)
      expect((await readMask(c, 'fill')).data.length).toBeGreaterThan(0)
    }
  })

  it('merging again changes nothing', async () => {
    const before = dump(merged)
    const r = await ct(['merge', merged, ...[0, 1, 2, 3].map(shard), '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ scansAdded: 0, scansUpdated: 0, runsAdded: 0, reviewsAdded: 0 })
    expect(dump(merged)).toBe(before)
  })

  it('refuses two different results for one series, writing nothing, unless told which wins', async () => {
    // A second copy of shard 0 whose results differ (as a rerun with other settings would).
    const k = [0, 1, 2, 3].find((i) => {
      const d = openDb(shard(i))
      const n = d.prepare("SELECT count(*) FROM scans WHERE status = 'done'").pluck().get() as number
      d.close()
      return n > 0
    })!
    const other = join(dir, 'other.sqlite')
    copyFileSync(shard(k), other)
    const d = openDb(other)
    const victim = d.prepare("SELECT s.folder, r.id, r.result_json FROM scans s JOIN runs r ON r.id = s.current_run_id WHERE s.status = 'done' LIMIT 1").get() as {
      folder: string
      id: number
      result_json: string
    }
    const result = JSON.parse(victim.result_json) as { maskFraction: number }
    result.maskFraction += 0.01
    d.prepare("UPDATE runs SET result_json = ?, finished_at = '2999-01-01T00:00:00.000Z' WHERE id = ?").run(JSON.stringify(result), victim.id)
    d.close()

    const before = dump(merged)
    const refused = await ct(['merge', merged, other])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/MERGE_CONFLICT/)
    expect(refused.stderr).toContain(victim.folder)
    expect(dump(merged)).toBe(before)

    const preferred = await ct(['merge', merged, other, '--prefer', other, '--json'])
    expect(preferred.code, preferred.stderr).toBe(0)
    expect(JSON.parse(preferred.stdout)).toMatchObject({ conflictsResolved: 1, scansUpdated: 1 })
    const now = (await statusOf(merged)) as Array<{ folder: string; maskFraction: number }>
    expect(now.find((s) => s.folder === victim.folder)!.maskFraction).toBeCloseTo(result.maskFraction, 12)
  })

  it('--copy-cache gathers the run folders into one cache', async () => {
    const copied = join(dir, 'copied.sqlite')
    const into = join(dir, 'copied.sqlite.cache')
    const r = await ct(['merge', copied, ...[0, 1, 2, 3].map(shard), '--copy-cache', into, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const d = openDb(copied)
    const dirs = d.prepare('SELECT cache_dir FROM runs WHERE cache_dir IS NOT NULL').pluck().all() as string[]
    d.close()
    expect(JSON.parse(r.stdout).foldersCopied).toBe(dirs.length)
    for (const c of dirs) {
      expect(c.startsWith(into)).toBe(true)
      expect(readdirSync(c)).toContain('resampled.npy')
    }
    expect(existsSync(into)).toBe(true)
    expect(await statusOf(copied)).toEqual(await statusOf(single))
    const usage = JSON.parse((await ct(['cache', '--db', copied, '--json'])).stdout) as { processedScans: number; ratio: number }
    expect(usage.processedScans).toBe(dirs.length)
  })

  it('refuses to turn a database with other scans\' results into a shard', async () => {
    const before = dump(single)
    const r = await ct(['process', cohort, '--db', single, '--shard', '0/4'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/BAD_ARGUMENT.*outside the shard/)
    expect(dump(single)).toBe(before)
  })

  it('refuses a bad --shard before creating anything', async () => {
    const r = await ct(['process', cohort, '--db', join(dir, 'never.sqlite'), '--shard', '4/4'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/BAD_ARGUMENT/)
    expect(existsSync(join(dir, 'never.sqlite'))).toBe(false)
  })
})
