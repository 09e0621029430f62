-- Articles, threaded comments, flags, moderation tokens, bans, the audit log and site settings.
-- Timestamps are RFC 3339 UTC text of fixed width ('2026-01-02T03:04:05.000000Z'), so text order is time order.

CREATE TABLE authors (
    id    INTEGER PRIMARY KEY,
    slug  TEXT NOT NULL UNIQUE,
    name  TEXT NOT NULL
);

CREATE TABLE articles (
    id              INTEGER PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    author_id       INTEGER NOT NULL REFERENCES authors (id),
    published_at    TEXT NOT NULL,
    body            TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    reading_minutes INTEGER NOT NULL CHECK (reading_minutes >= 1),
    tags            TEXT NOT NULL DEFAULT '[]',  -- JSON array, the article_tags rows in order
    comments_open   INTEGER NOT NULL DEFAULT 1 CHECK (comments_open IN (0, 1)),
    moderation      TEXT NOT NULL DEFAULT 'inherit' CHECK (moderation IN ('pre', 'post', 'inherit')),
    comment_count   INTEGER NOT NULL DEFAULT 0 CHECK (comment_count >= 0),  -- visible comments
    version         INTEGER NOT NULL DEFAULT 0,  -- bumped with every change to the article or its thread
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX articles_newest ON articles (published_at DESC, id DESC);
CREATE INDEX articles_by_author ON articles (author_id, published_at DESC, id DESC);

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag        TEXT NOT NULL,
    PRIMARY KEY (article_id, tag)
) WITHOUT ROWID;
CREATE INDEX article_tags_by_tag ON article_tags (tag, article_id);

CREATE TABLE comments (
    id               INTEGER PRIMARY KEY,
    article_id       INTEGER NOT NULL REFERENCES articles (id),
    parent_id        INTEGER REFERENCES comments (id),
    root_id          INTEGER NOT NULL,
    depth            INTEGER NOT NULL CHECK (depth >= 0),
    path             TEXT NOT NULL,  -- ancestors' ids then its own, fixed-width hex: ORDER BY path is thread order
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'spam', 'removed')),
    previous_status  TEXT CHECK (previous_status IN ('pending', 'approved')),
    visible          INTEGER NOT NULL CHECK (visible IN (0, 1)),
    visible_replies  INTEGER NOT NULL DEFAULT 0 CHECK (visible_replies >= 0),  -- visible comments below it
    flagged          INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
    author_name      TEXT NOT NULL,
    author_email     TEXT,
    author_url       TEXT,
    email_hash       TEXT,
    author_key       TEXT NOT NULL,
    address_hash     TEXT NOT NULL,
    body             TEXT NOT NULL,
    body_html        TEXT NOT NULL,
    body_hash        TEXT NOT NULL,
    rules            TEXT NOT NULL DEFAULT '[]',  -- JSON array of the rules that decided its status
    created_at       TEXT NOT NULL,
    edited_at        TEXT,
    edit_token_hash  TEXT NOT NULL UNIQUE
);
-- Top-level comments a reader can see (or that keep a visible reply in place), per sort order.
CREATE INDEX comments_roots ON comments (article_id, id)
    WHERE parent_id IS NULL AND (visible = 1 OR visible_replies > 0);
CREATE INDEX comments_roots_top ON comments (article_id, visible_replies DESC, id)
    WHERE parent_id IS NULL AND (visible = 1 OR visible_replies > 0);
CREATE INDEX comments_thread ON comments (root_id, path);
CREATE INDEX comments_queue ON comments (status, id);
CREATE INDEX comments_flagged ON comments (id) WHERE flagged = 1;
CREATE INDEX comments_by_email ON comments (email_hash, status) WHERE email_hash IS NOT NULL;
CREATE INDEX comments_by_email_time ON comments (email_hash, created_at) WHERE email_hash IS NOT NULL;
CREATE INDEX comments_duplicates ON comments (article_id, body_hash);

CREATE TABLE flags (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER NOT NULL REFERENCES comments (id),
    reader_hash TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('spam', 'abuse', 'off_topic', 'other')),
    note        TEXT,
    created_at  TEXT NOT NULL,
    cleared_at  TEXT,  -- a moderator kept the comment: this flag never counts again
    UNIQUE (comment_id, reader_hash)
);

CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('moderator', 'admin')),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE UNIQUE INDEX tokens_active_name ON tokens (name) WHERE revoked_at IS NULL;

CREATE TABLE bans (
    id           INTEGER PRIMARY KEY,
    email_hash   TEXT,
    address_hash TEXT,
    reason       TEXT,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    lifted_at    TEXT,
    CHECK (email_hash IS NOT NULL OR address_hash IS NOT NULL)
);
CREATE INDEX bans_by_email ON bans (email_hash) WHERE email_hash IS NOT NULL AND lifted_at IS NULL;
CREATE INDEX bans_by_address ON bans (address_hash) WHERE address_hash IS NOT NULL AND lifted_at IS NULL;

CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER REFERENCES comments (id),
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    reason      TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX audit_by_comment ON audit_events (comment_id, id) WHERE comment_id IS NOT NULL;
CREATE INDEX audit_by_actor ON audit_events (actor, id);
CREATE INDEX audit_by_action ON audit_events (action, id);
-- Append-only: no path in parley updates or deletes an event, and the database refuses it too.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE site (
    key        TEXT PRIMARY KEY,
    value      BLOB NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE idempotency_keys (
    key          TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    response     BLOB NOT NULL,
    created_at   TEXT NOT NULL
) WITHOUT ROWID;
