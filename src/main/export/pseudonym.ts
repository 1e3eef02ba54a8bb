/**
 * Pseudonyms for exported cases. A keyed hash (HMAC-SHA256) of the patient with a random
 * secret kept in this database only: the same patient gets the same id in every export of this
 * database, and nobody holding an export (or a list of patient IDs) can recompute or reverse it.
 * The mapping lives in `export_items` (scan → name); it is never written to an export.
 */
import { createHmac, randomBytes } from 'node:crypto'
import type { Db } from '../store/db'

/** The database's secret, created on first use (32 random bytes from the OS). */
export function exportSecret(db: Db): Buffer {
  return db.transaction(() => {
    db.prepare('INSERT OR IGNORE INTO export_secret (id, secret) VALUES (1, ?)').run(randomBytes(32))
    return db.prepare('SELECT secret FROM export_secret WHERE id = 1').pluck().get() as Buffer
  }).immediate()
}

const mac = (secret: Buffer, domain: string, value: string): string =>
  // The domain keeps a patient's id and a series' hash unrelated even for equal strings.
  createHmac('sha256', secret).update(`${domain}\u0000${value}`).digest('hex')

/** `case_` + 12 hex digits (48 bits): collisions are negligible below millions of patients. */
export function casePseudonym(secret: Buffer, patientKey: string): string {
  return `case_${mac(secret, 'patient', patientKey).slice(0, 12)}`
}

/** A source UID hashed for the manifest: 128 bits, keyed, so it links nothing outside the database. */
export function hashedUid(secret: Buffer, uid: string): string {
  return mac(secret, 'uid', uid).slice(0, 32)
}

/**
 * Case names for every scan of a database: the patient's pseudonym, or — where one patient has
 * several scans (the same patient under several roots) — the pseudonym with a suffix from the
 * hashed series. Given all the database's scans, not just the exported ones, so a case keeps
 * its name whichever subset an export takes.
 */
export function caseNames(secret: Buffer, scans: ReadonlyArray<{ patientKey: string; seriesUid: string }>): string[] {
  const base = scans.map((s) => casePseudonym(secret, s.patientKey))
  const count = new Map<string, number>()
  for (const b of base) count.set(b, (count.get(b) ?? 0) + 1)
  return base.map((b, i) => (count.get(b)! > 1 ? `${b}_${hashedUid(secret, scans[i]!.seriesUid).slice(0, 6)}` : b))
}
