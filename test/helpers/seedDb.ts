import type { Db } from '../../src/main/store/db'

/**
 * Inserts scan rows the way ingestion will, for tests of the layers above the store that do
 * not need real DICOM (router, CLI review/retry, web host).
 */
export function insertScans(db: Db, root: string, folders: Array<{ folder: string; patientId: string }>): number[] {
  const rootId = Number(db.prepare('INSERT INTO roots (path) VALUES (?)').run(root).lastInsertRowid)
  const ins = db.prepare(
    `INSERT INTO scans (root_id, patient_key, folder, patient_id, study_uid, series_uid, modality, slice_count, choice_reason)
     VALUES (?, ?, ?, ?, ?, ?, 'CT', 40, 'only series')`,
  )
  return folders.map((f, i) => Number(ins.run(rootId, `${f.folder}\u0000${f.patientId}`, f.folder, f.patientId, `1.2.3.${i}`, `1.2.3.${i}.1`).lastInsertRowid))
}
