import { mergeShards } from '../../shard/merge'
import { plural } from '../text'

export async function runMerge(out: string, shards: string[], o: { prefer?: string; copyCache?: string; json?: boolean }): Promise<void> {
  const s = await mergeShards(out, shards, { prefer: o.prefer, copyCache: o.copyCache })
  if (o.json) {
    process.stdout.write(JSON.stringify(s, null, 2) + '\n')
    return
  }
  process.stdout.write(
    `Merged ${plural(s.shards, 'database')} into ${out}: ${plural(s.scansAdded, 'scan')} added, ${s.scansUpdated} updated, ` +
      `${plural(s.runsAdded, 'run')} and ${plural(s.reviewsAdded, 'review')} added` +
      (s.conflictsResolved ? `, ${plural(s.conflictsResolved, 'conflict')} resolved by --prefer` : '') +
      (s.foldersCopied ? `, ${plural(s.foldersCopied, 'run folder')} copied` : '') +
      `.\n`,
  )
}
