-- Version 2: training runs, and the exact images and splits each one used.

CREATE TABLE runs (
  id           INTEGER PRIMARY KEY,
  name         TEXT    NOT NULL,               -- folder name under runs/
  out_dir      TEXT    NOT NULL,
  arch         TEXT    NOT NULL,
  status       TEXT    NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'failed')),
  options_json TEXT    NOT NULL,               -- every option the run was started with
  metrics_json TEXT,                           -- final metrics (accuracy, loss, per class)
  accuracy     REAL,                           -- validation accuracy, for quick comparison
  model_path   TEXT,
  started_at   TEXT    NOT NULL,
  finished_at  TEXT
);

CREATE TABLE run_images (
  run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images(id),
  label    TEXT    NOT NULL,                   -- label as trained, after any relabel
  split    TEXT    NOT NULL CHECK (split IN ('train', 'valid', 'test')),
  PRIMARY KEY (run_id, image_id)
) WITHOUT ROWID;
