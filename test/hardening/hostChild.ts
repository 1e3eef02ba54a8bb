/**
 * A web host in its own process over a throw-away database, for the host probes: a crash is
 * then an exit the parent sees, as a user's `ct-curator serve` would die.
 *
 *   node --import tsx test/hardening/hostChild.ts <workDir>   → prints {"port": N} and serves
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore } from '../../src/main/core'
import { startWebHost } from '../../src/main/host/webHost'
import { insertScans } from '../helpers/seedDb'

const dir = process.argv[2]!
const staticDir = join(dir, 'static')
mkdirSync(staticDir, { recursive: true })
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>probe</title>')
const core = createCore(join(dir, 'probe.sqlite'))
insertScans(core.db, '/data/probe', [{ folder: 'p1', patientId: 'A' }])
const host = await startWebHost({ api: core.api, staticDir, port: 0 })
process.stdout.write(JSON.stringify({ port: host.port }) + '\n')
process.on('SIGTERM', () => void host.close().then(() => (core.close(), process.exit(0))))
