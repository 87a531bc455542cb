-- Version 3: settings that later runs reuse, such as the split that `curate --split`
-- last applied (a scheduled refresh curates with it) and the content store folder.

CREATE TABLE settings (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
