/**
 * Versioned schema. Each entry upgrades from version `i` to `i + 1` and runs in one
 * transaction with the `user_version` bump, so a crash mid-migration leaves the old schema.
 * Never edit a released migration: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  /* v1: roots, file index, series, scans (the chosen series of each patient), runs, reviews */ `
  CREATE TABLE roots (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL UNIQUE,
    scanned_at  TEXT
  );
  -- Header index for incremental rescans: a file is re-read only when size or mtime changed.
  CREATE TABLE files (
    root_id     INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    mtime_ms    REAL NOT NULL,
    header_json TEXT,
    skip_code   TEXT,
    skip_message TEXT,
    PRIMARY KEY (root_id, path)
  ) WITHOUT ROWID;
  -- Every series found, chosen or not, as \`scan --json\` reports it.
  CREATE TABLE series (
    root_id     INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
    series_uid  TEXT NOT NULL,
    patient_key TEXT NOT NULL,
    folder      TEXT NOT NULL,
    chosen      INTEGER NOT NULL,
    info_json   TEXT NOT NULL,
    PRIMARY KEY (root_id, series_uid)
  );
  -- A person's choice of series for a patient, which rescans respect.
  CREATE TABLE series_overrides (
    root_id     INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
    patient_key TEXT NOT NULL,
    series_uid  TEXT NOT NULL,
    PRIMARY KEY (root_id, patient_key)
  );
  CREATE TABLE scans (
    id                  INTEGER PRIMARY KEY,
    root_id             INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
    patient_key         TEXT NOT NULL,
    folder              TEXT NOT NULL,
    patient_id          TEXT NOT NULL,
    study_uid           TEXT NOT NULL,
    series_uid          TEXT NOT NULL,
    modality            TEXT NOT NULL DEFAULT '',
    manufacturer        TEXT,
    kernel              TEXT,
    acquisition_date    TEXT,
    slice_thickness     REAL,
    choice_reason       TEXT NOT NULL DEFAULT '',
    slice_count         INTEGER NOT NULL DEFAULT 0,
    spacing_json        TEXT,
    shape_json          TEXT,
    files_json          TEXT NOT NULL DEFAULT '[]',
    -- size+mtime of every file: a change means earlier results are stale
    files_sig           TEXT NOT NULL DEFAULT '',
    geometry_flags_json TEXT NOT NULL DEFAULT '[]',
    status              TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending','processing','done','failed')),
    review              TEXT NOT NULL DEFAULT 'unreviewed'
                        CHECK (review IN ('unreviewed','accepted','rejected','retry')),
    review_note         TEXT,
    reviewed_at         TEXT,
    retry_closing_mm    REAL,
    -- which engine (host:pid) is processing it; a dead owner's claims are released on start
    claimed_by          TEXT,
    current_run_id      INTEGER,
    UNIQUE (root_id, patient_key)
  );
  CREATE INDEX scans_status ON scans(status);
  CREATE TABLE runs (
    id               INTEGER PRIMARY KEY,
    scan_id          INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    mode             TEXT NOT NULL CHECK (mode IN ('seed','robust')),
    closing_mm       REAL NOT NULL DEFAULT 0,
    params_json      TEXT NOT NULL DEFAULT '{}',
    status           TEXT NOT NULL CHECK (status IN ('pending','processing','done','failed')),
    started_at       TEXT,
    finished_at      TEXT,
    software_version TEXT,
    result_json      TEXT,
    flags_json       TEXT NOT NULL DEFAULT '[]',
    error_code       TEXT,
    error_message    TEXT,
    -- folder holding this run's volumes (hu.npy, resampled.npy, masks)
    cache_dir        TEXT
  );
  CREATE INDEX runs_scan ON runs(scan_id);
  CREATE TABLE reviews (
    id       INTEGER PRIMARY KEY,
    scan_id  INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    review   TEXT NOT NULL,
    note     TEXT,
    at       TEXT NOT NULL
  );
  `,
  /* v2: what grouping skipped (duplicate SOP instances), so an unchanged rescan can answer from
     the database without re-reading or regrouping anything; NULL forces a full regroup. */ `
  ALTER TABLE roots ADD COLUMN group_skipped_json TEXT;
  `,
  /* v3: room for exports — one row per export, and which run of which scan went into it, so
     a dataset can always be traced back to the exact masks it was built from. */ `
  CREATE TABLE exports (
    id           INTEGER PRIMARY KEY,
    created_at   TEXT NOT NULL,
    out_dir      TEXT NOT NULL,
    params_json  TEXT NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL CHECK (status IN ('running','done','failed')),
    error_message TEXT
  );
  CREATE TABLE export_items (
    export_id  INTEGER NOT NULL REFERENCES exports(id) ON DELETE CASCADE,
    scan_id    INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    run_id     INTEGER NOT NULL REFERENCES runs(id),
    name       TEXT NOT NULL,
    PRIMARY KEY (export_id, scan_id)
  );
  `,
  /* engines: every running engine (host:pid) and its heartbeat, refreshed every few seconds, so a
     claim whose engine died is released even when its PID lingers as a zombie or was reused. */ `
  CREATE TABLE engines (
    owner        TEXT PRIMARY KEY,
    heartbeat_ms INTEGER NOT NULL,
    started_at   TEXT NOT NULL
  );
  `,
  /* export_secret: the per-database secret behind export pseudonyms (export/pseudonym.ts). One row, made
     on first export; it never leaves this file, so pseudonyms cannot be recomputed elsewhere. */ `
  CREATE TABLE export_secret (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    secret  BLOB NOT NULL
  );
  `,
  /* files_sig: a hash of the path, size and mtime of every file the root's last complete scan
     found (and the mode it grouped in), so an unchanged rescan is recognised from the walk alone
     without loading 20,000 file rows; NULL forces the file-by-file comparison. The partial index
     finds the skipped files of a root without reading every row. */ `
  ALTER TABLE roots ADD COLUMN files_sig TEXT;
  CREATE INDEX files_skipped ON files(root_id) WHERE skip_code IS NOT NULL;
  `,
]
