-- Version 1: what crawl finds and stores, and what curate decides about each image.
-- Times are UTC in ISO 8601 ('2026-12-04T20:13:05Z').

-- One row per search the user asked for. `crawl --refresh` reruns every row here.
-- Imported folders (curate --import) are recorded as queries with engine 'import'.
CREATE TABLE queries (
  id          INTEGER PRIMARY KEY,
  text        TEXT    NOT NULL,                -- the keywords, or the imported folder
  label       TEXT    NOT NULL,                -- class that every result of this query gets
  engine      TEXT    NOT NULL,                -- bing | duckduckgo | openverse | wikimedia | urls | import
  engine_url  TEXT,                            -- base URL when not the engine's default
  requested   INTEGER NOT NULL CHECK (requested >= 0),  -- -n: images wanted
  created_at  TEXT    NOT NULL,
  last_run_at TEXT,
  UNIQUE (text, label, engine)
);

-- Stored files, one per distinct content (sha256). The file lives in the content store at
-- `path`, relative to the store folder. A row exists only after its file was renamed into place.
CREATE TABLE images (
  id            INTEGER PRIMARY KEY,           -- also the "earliest seen" order
  sha256        TEXT    NOT NULL UNIQUE,       -- lower-case hex of the stored bytes
  path          TEXT    NOT NULL,              -- e.g. 'ab/ab12...ef.jpg'
  bytes         INTEGER NOT NULL,
  format        TEXT    NOT NULL,              -- sniffed from the bytes: jpeg png gif webp bmp tiff
  label         TEXT    NOT NULL,              -- label of the first source that stored it
  first_seen_at TEXT    NOT NULL,

  -- Filled by curate.
  width         INTEGER,                       -- after EXIF orientation
  height        INTEGER,
  phash         INTEGER,                       -- 64-bit DCT perceptual hash, as a signed integer
  status        TEXT    NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'kept', 'defective', 'duplicate', 'conflict', 'rejected')),
  reason        TEXT,                          -- why it is not kept ('too small: 16x16 < 64')
  duplicate_of  INTEGER REFERENCES images(id),
  split         TEXT    CHECK (split IN ('train', 'valid', 'test')),
  curated_at    TEXT,

  -- A person's decision (curate --accept/--reject/--relabel). Curate never overrides it.
  decision       TEXT   CHECK (decision IN ('accept', 'reject', 'relabel')),
  decision_label TEXT,                         -- the new label for 'relabel'
  decided_at     TEXT
);
CREATE INDEX images_status ON images(status);
CREATE INDEX images_label_split ON images(label, split);

-- Every URL that a query yielded, with the outcome of its download. The URL is normalised
-- (scheme and host lower case, default port and fragment dropped, percent-encoding canonical),
-- so one URL is fetched at most once per manifest, whichever query found it again.
CREATE TABLE candidates (
  id            INTEGER PRIMARY KEY,
  url           TEXT    NOT NULL UNIQUE,
  query_id      INTEGER NOT NULL REFERENCES queries(id),
  engine        TEXT    NOT NULL,
  rank          INTEGER NOT NULL,              -- 0-based position in the engine's results
  page_url      TEXT,                          -- page the image appears on
  thumbnail_url TEXT,
  title         TEXT,
  license       TEXT,                          -- as the engine states it ('by-sa 4.0')
  creator       TEXT,
  status        TEXT    NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'stored', 'duplicate', 'failed', 'skipped')),
  attempts      INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT,                          -- reason for 'failed' and 'skipped'
  http_status   INTEGER,
  content_type  TEXT,
  bytes         INTEGER,
  final_url     TEXT,                          -- after redirects
  image_id      INTEGER REFERENCES images(id), -- set for 'stored' and 'duplicate'
  created_at    TEXT    NOT NULL,
  updated_at    TEXT    NOT NULL
);
CREATE INDEX candidates_query_status ON candidates(query_id, status);
CREATE INDEX candidates_image ON candidates(image_id);
