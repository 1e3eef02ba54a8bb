/**
 * `ct-curator`: the headless face of the same core the app uses. Commands and their JSON are
 * contracts (see README): keep names and fields, add freely. Each command lazily imports its
 * implementation so `--help` stays instant.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { CuratorError, toErrorInfo } from '../../shared/errors'
import { VERSION } from '../version'

const int = (min: number) => (v: string): number => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`)
  return n
}
const num = (min: number, max: number) => (v: string): number => {
  const n = Number(v)
  if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected a number in [${min}, ${max}]`)
  return n
}

export function buildProgram(): Command {
  const program = new Command('ct-curator')
    .description('Curate chest-CT DICOM datasets: scan, preprocess, review, retry.')
    .version(VERSION)
    // Usage errors are thrown, not printed with the whole usage block: main() prints one line
    // and the command's --help hint, and exits 2 (inherited by every command added below).
    .exitOverride()
    .configureOutput({ outputError: () => undefined })

  program
    .command('demo')
    .description('write a synthetic chest-CT cohort (normal and failure cases) to try the app')
    .argument('<dir>', 'folder to create; patient folders go inside')
    .option('--patients <n>', 'number of patients (at least 8; the default 12 include the upper-abdomen cases)', int(8), 12)
    .option('--truth <dir>', 'where to write ground-truth lung masks (.npy); must be outside <dir>')
    .option('--seed <n>', 'random seed', int(0), 1)
    .option('--overwrite', 'replace the patient folders a previous demo wrote there')
    .action(async (dir: string, o: { patients: number; truth?: string; seed: number; overwrite?: boolean }) => {
      const { runDemo } = await import('./commands/demo')
      await runDemo(dir, o)
    })

  program
    .command('scan')
    .description('index a folder of DICOM files: group into series, choose one per patient, report geometry flags')
    .argument('<root>', 'folder of patient folders (never written to)')
    .option('--db <file>', 'SQLite database: remember the index (fast rescans) and the scans')
    .option('--json', 'print {"series": [...], "skipped": [...]}')
    .action(async (root: string, o: { db?: string; json?: boolean }) => {
      const { runScan } = await import('./commands/scan')
      await runScan(root, o)
    })

  program
    .command('preprocess')
    .description('preprocess one series folder: hu.npy, resampled.npy, mask_fill.npy, mask_nofill.npy and result.json')
    .argument('<seriesDir>', 'folder with the images of one series')
    .requiredOption('--out <dir>', 'output folder')
    .addOption(new Option('--mode <mode>', 'seed = the tutorial exactly; robust = fixed').choices(['seed', 'robust']).default('robust'))
    .addOption(new Option('--stage <stage>', 'last stage to run (default: all)').choices(['hu', 'resampled', 'mask']).default('mask'))
    .option('--closing-mm <r>', 'morphological closing radius before labelling (the retry fix), mm', num(0, 50), 0)
    .addOption(new Option('--resample <kind>', 'interpolation to 1 mm').choices(['cubic', 'linear']).default('cubic'))
    .option('--json', 'print result.json to stdout too')
    .action(async (dir: string, o: { out: string; mode: 'seed' | 'robust'; stage: 'hu' | 'resampled' | 'mask'; closingMm: number; resample: 'cubic' | 'linear'; json?: boolean }) => {
      const { runPreprocess } = await import('./commands/preprocess')
      await runPreprocess(dir, o)
    })

  program
    .command('process')
    .description('scan <root>, then preprocess every chosen series not yet done (and every scan marked for retry)')
    .argument('<root>', 'folder of patient folders (never written to)')
    .requiredOption('--db <file>', 'SQLite database (created if missing)')
    .addOption(new Option('--mode <mode>', 'seed = the tutorial exactly; robust = fixed').choices(['seed', 'robust']).default('robust'))
    .option('--workers <n>', 'worker processes (default: one per core, fewer when memory is short: ~1.5 GB each)', int(1))
    .option('--cache <dir>', 'where volumes and masks are written (default: <db>.cache)')
    .option('--timeout <s>', 'seconds before a scan\'s worker is stopped', int(1), 600)
    .option('--keep-hu', 'also keep each scan\'s unresampled hu.npy in the cache (off: the cache holds what review and export read)')
    .option('--shard <K/N>', 'process only shard K of N (0 ≤ K < N; by a hash of SeriesInstanceUID); `auto/N` takes K from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX')
    .option('--retry-failed', 'also retry scans that failed for a lasting reason (transient failures — disk full, out of memory, crash, timeout — are always retried)')
    .action(async (root: string, o: { db: string; mode: 'seed' | 'robust'; workers?: number; cache?: string; timeout: number; retryFailed?: boolean; keepHu?: boolean; shard?: string }) => {
      const { runProcess } = await import('./commands/process')
      await runProcess(root, o)
    })

  program
    .command('export')
    .description('write the curated scans as a de-identified dataset (npy / NIfTI, plain, nnU-Net or MONAI layout)')
    .argument('<outDir>', 'dataset folder to create (an earlier export there is replaced)')
    .requiredOption('--db <file>', 'SQLite database')
    .addOption(new Option('--include <which>', 'accepted scans, every processed scan not rejected, or all processed').choices(['accepted', 'done', 'all']).default('accepted'))
    .option('--format <list>', 'comma-separated: npy, nifti', 'npy,nifti')
    .addOption(new Option('--layout <layout>', 'plain folders, nnU-Net v2 raw, or plain + MONAI datalist').choices(['plain', 'nnunet', 'monai']).default('plain'))
    .option('--dilate-mm <r>', 'dilate the exported lung mask by a ball of r mm', num(0, 50), 0)
    .option('--normalized', 'also write ct_norm.npy (float32, [-1000, 400] HU, centred on the dataset mean)')
    .option('--fsync', 'flush every file to disk before publishing (safe against a power cut; slower)')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        outDir: string,
        o: { db: string; include: 'accepted' | 'done' | 'all'; format: string; layout: 'plain' | 'nnunet' | 'monai'; dilateMm: number; normalized?: boolean; fsync?: boolean; json?: boolean },
      ) => {
        const { runExport } = await import('./commands/export')
        await runExport(outDir, o)
      },
    )

  program
    .command('serve')
    .description('serve the app and its API on 127.0.0.1 (open the printed URL in a browser)')
    .option('--db <file>', 'SQLite database (must exist unless --create); default: the desktop app\'s, created if missing')
    .option('--create', 'create the --db database when there is none yet')
    .option('--port <n>', 'port (0 = any free port)', int(0), 7878)
    .addOption(new Option('--host <addr>', 'loopback address to bind').default('127.0.0.1'))
    .action(async (o: { db?: string; create?: boolean; port: number; host: string }) => {
      const { runServe } = await import('./commands/serve')
      await runServe(o)
    })

  program
    .command('status')
    .description('list scans in a database with status, review, flags and results')
    .requiredOption('--db <file>', 'SQLite database')
    .option('--json', 'print a JSON array, one object per scan')
    .option('--wide', 'no column limits at all (folder and patient ids are printed in full either way)')
    .action(async (o: { db: string; json?: boolean; wide?: boolean }) => {
      const { runStatus } = await import('./commands/status')
      await runStatus(o)
    })

  program
    .command('cache')
    .description('show what the cache holds (bytes per kind and per status); --prune removes what nothing will read again')
    .requiredOption('--db <file>', 'SQLite database')
    .option('--cache <dir>', 'the cache folder (default: <db>.cache)')
    .option('--prune', "remove superseded and failed runs' files and scans no longer in the database (keeps each scan's current run and the masks its retry is compared with)")
    .option('--json', 'print a JSON object')
    .action(async (o: { db: string; cache?: string; prune?: boolean; json?: boolean }) => {
      const { runCache } = await import('./commands/cache')
      await runCache(o)
    })

  program
    .command('merge')
    .description("merge shard databases (from process --shard) into one: scans, runs, flags and reviews")
    .argument('<out>', 'database to merge into (created if missing)')
    .argument('<shards...>', 'shard databases')
    .option('--prefer <which>', 'when two databases hold different results for a series: "newest", or the path of the database that wins')
    .option('--copy-cache <dir>', "copy the shards' run folders into <dir> (default: leave them where they are)")
    .option('--json', 'print a JSON summary')
    .action(async (out: string, shards: string[], o: { prefer?: string; copyCache?: string; json?: boolean }) => {
      const { runMerge } = await import('./commands/merge')
      await runMerge(out, shards, o)
    })

  program
    .command('review')
    .description('accept or reject a scan')
    .argument('<scan>', 'patient folder (relative to its root) or PatientID')
    .requiredOption('--db <file>', 'SQLite database')
    .option('--accept', 'accept the scan')
    .option('--reject', 'reject the scan')
    .option('--note <text>', 'note kept with the decision')
    .action(async (scan: string, o: { db: string; accept?: boolean; reject?: boolean; note?: string }) => {
      const { runReview } = await import('./commands/review')
      await runReview(scan, o)
    })

  program
    .command('choose')
    .description("override the automatic series choice for a patient (rescans its root)")
    .argument('<scan>', 'patient folder (relative to its root) or PatientID')
    .requiredOption('--db <file>', 'SQLite database')
    .requiredOption('--series <uid>', 'SeriesInstanceUID to process for this patient')
    .action(async (scan: string, o: { db: string; series: string }) => {
      const { runChoose } = await import('./commands/review')
      await runChoose(scan, o)
    })

  program
    .command('retry')
    .description('mark a scan to be processed again with morphological closing')
    .argument('<scan>', 'patient folder (relative to its root) or PatientID')
    .requiredOption('--db <file>', 'SQLite database')
    .requiredOption('--closing-mm <r>', 'closing ball radius in mm', num(0, 50))
    .action(async (scan: string, o: { db: string; closingMm: number }) => {
      const { runRetry } = await import('./commands/review')
      await runRetry(scan, o)
    })

  return program
}

/** The command a usage error concerns, for its `--help` hint. */
function commandOf(program: Command, argv: string[]): string {
  const name = argv.slice(2).find((a) => !a.startsWith('-'))
  return name && program.commands.some((c) => c.name() === name) ? `ct-curator ${name}` : 'ct-curator'
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with their own output already printed.
      if (err.exitCode === 0) return
      // No command at all: the help went to stderr; that is the whole message.
      if (err.code === 'commander.help') {
        process.exitCode = 2
        return
      }
      const cmd = commandOf(program, argv)
      const what = err.message.replace(/^error: /, '').replace(/ is invalid\. /, ' is invalid: ')
      process.stderr.write(`${cmd}: ${what} (see \`${cmd} --help\`)\n`)
      process.exitCode = 2
      return
    }
    const info = toErrorInfo(err)
    process.stderr.write(`ct-curator: ${info.code}: ${info.message}\n`)
    process.exitCode = err instanceof CuratorError && err.code === 'BAD_ARGUMENT' ? 2 : 1
  }
}
