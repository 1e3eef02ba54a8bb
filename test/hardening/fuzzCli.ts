/**
 * `npm run fuzz -- [--cases N] [--seed S] [--tree N] [--keep]`: runs the in-process fuzzer for N
 * cases (default 5000) and, with --tree, a fuzzed tree of N files through the real CLI.
 * Exits 1 when anything crashed or a promise of scan/process was broken.
 */
import { formatTally, formatTreeTally, runFuzz, runFuzzTree, summarizeFuzz } from './fuzz'

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  if (i < 0) return fallback
  const v = Number(process.argv[i + 1])
  if (!Number.isInteger(v) || v < 0) {
    console.error(`--${name} wants a non-negative integer, got ${process.argv[i + 1]}`)
    process.exit(2)
  }
  return v
}

const cases = arg('cases', 5000)
const seed = arg('seed', 1)
const tree = arg('tree', 0)
const t = await runFuzz({
  cases,
  seed,
  keep: process.argv.includes('--keep'),
  onProgress: (done, tally) => process.stderr.write(`\r${done}/${cases} cases, ${tally.crashes.length} crashes`),
})
process.stderr.write('\n')
console.log(formatTally(t))
let bad = t.crashes.length + t.harnessErrors.length > 0
if (tree > 0) {
  const tt = await runFuzzTree({ files: tree, seed })
  console.log(formatTreeTally(tt))
  bad ||= tt.unaccounted.length + tt.unspecific.length + tt.badScans.length > 0 || tt.processExit !== 0
}
// Last, on one line: what `npm run hardening` quotes.
console.log(`fuzz: ${summarizeFuzz(t)}${tree > 0 ? ' (tree above)' : ''}`)
process.exit(bad ? 1 : 0)
