-- parley on PostgreSQL: the same tables as the SQLite schema after its migrations, in PostgreSQL's own types
-- (timestamptz, boolean, text[], bytea). Thread positions compare byte by byte (COLLATE "C"), as in SQLite.

CREATE TABLE authors (
    id    BIGSERIAL PRIMARY KEY,
    slug  TEXT NOT NULL UNIQUE,
    name  TEXT NOT NULL
);

CREATE TABLE articles (
    id              BIGSERIAL PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    author_id       BIGINT NOT NULL REFERENCES authors (id),
    published_at    TIMESTAMPTZ NOT NULL,
    body            TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    reading_minutes INTEGER NOT NULL CHECK (reading_minutes >= 1),
    tags            TEXT[] NOT NULL DEFAULT '{}',
    comments_open   BOOLEAN NOT NULL DEFAULT TRUE,
    moderation      TEXT NOT NULL DEFAULT 'inherit' CHECK (moderation IN ('pre', 'post', 'inherit')),
    comment_count   INTEGER NOT NULL DEFAULT 0 CHECK (comment_count >= 0),
    version         BIGINT NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX articles_newest ON articles (published_at DESC, id DESC);
CREATE INDEX articles_by_author ON articles (author_id, published_at DESC, id DESC);

CREATE TABLE article_tags (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag        TEXT NOT NULL,
    PRIMARY KEY (article_id, tag)
);
CREATE INDEX article_tags_by_tag ON article_tags (tag, article_id);

CREATE SEQUENCE comments_id_seq;
CREATE TABLE comments (
    id                BIGINT PRIMARY KEY,
    article_id        BIGINT NOT NULL REFERENCES articles (id),
    parent_id         BIGINT REFERENCES comments (id),
    root_id           BIGINT NOT NULL,
    depth             INTEGER NOT NULL CHECK (depth >= 0),
    path              TEXT COLLATE "C" NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'spam', 'removed')),
    previous_status   TEXT CHECK (previous_status IN ('pending', 'approved')),
    visible           BOOLEAN NOT NULL,
    visible_replies   INTEGER NOT NULL DEFAULT 0 CHECK (visible_replies >= 0),
    flagged           BOOLEAN NOT NULL DEFAULT FALSE,
    author_name       TEXT NOT NULL,
    author_email      TEXT,
    author_url        TEXT,
    email_hash        TEXT,
    author_key        TEXT NOT NULL,
    author_token_hash TEXT,
    address_hash      TEXT NOT NULL,
    body              TEXT NOT NULL,
    body_html         TEXT NOT NULL,
    body_hash         TEXT NOT NULL,
    rules             TEXT[] NOT NULL DEFAULT '{}',
    created_at        TIMESTAMPTZ NOT NULL,
    edited_at         TIMESTAMPTZ,
    edit_token_hash   TEXT NOT NULL UNIQUE,
    told_status       TEXT CHECK (told_status IN ('pending', 'approved')),
    removed_by        TEXT CHECK (removed_by IN ('author', 'moderator', 'erasure'))
);
ALTER SEQUENCE comments_id_seq OWNED BY comments.id;
CREATE INDEX comments_roots ON comments (article_id, id)
    WHERE parent_id IS NULL AND (visible OR visible_replies > 0);
CREATE INDEX comments_roots_top ON comments (article_id, visible_replies DESC, id)
    WHERE parent_id IS NULL AND (visible OR visible_replies > 0);
CREATE INDEX comments_thread ON comments (root_id, path);
CREATE INDEX comments_queue ON comments (status, id);
CREATE INDEX comments_flagged ON comments (id) WHERE flagged;
CREATE INDEX comments_by_email ON comments (email_hash, status) WHERE email_hash IS NOT NULL;
CREATE INDEX comments_duplicates ON comments (article_id, body_hash);
CREATE INDEX comments_by_author_token ON comments (author_token_hash, status) WHERE author_token_hash IS NOT NULL;
CREATE INDEX comments_by_author_time ON comments (author_key, created_at);

CREATE TABLE comment_revisions (
    id          BIGSERIAL PRIMARY KEY,
    comment_id  BIGINT NOT NULL REFERENCES comments (id),
    body        TEXT NOT NULL,
    body_html   TEXT NOT NULL,
    replaced_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX comment_revisions_by_comment ON comment_revisions (comment_id, id);

CREATE TABLE flags (
    id          BIGSERIAL PRIMARY KEY,
    comment_id  BIGINT NOT NULL REFERENCES comments (id),
    reader_hash TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('spam', 'abuse', 'off_topic', 'other')),
    note        TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    cleared_at  TIMESTAMPTZ,
    UNIQUE (comment_id, reader_hash)
);

CREATE TABLE tokens (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('moderator', 'admin')),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX tokens_active_name ON tokens (name) WHERE revoked_at IS NULL;

CREATE TABLE bans (
    id                BIGSERIAL PRIMARY KEY,
    email_hash        TEXT,
    address_hash      TEXT,
    prefix            INTEGER CHECK (prefix BETWEEN 8 AND 128),
    author_token_hash TEXT,
    email             TEXT,
    network           TEXT,
    comment_id        BIGINT,
    reason            TEXT,
    created_by        TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    expires_at        TIMESTAMPTZ,
    lifted_at         TIMESTAMPTZ,
    CHECK (email_hash IS NOT NULL OR address_hash IS NOT NULL)
);
CREATE INDEX bans_by_email ON bans (email_hash) WHERE email_hash IS NOT NULL AND lifted_at IS NULL;
CREATE INDEX bans_by_address ON bans (address_hash) WHERE address_hash IS NOT NULL AND lifted_at IS NULL;
CREATE INDEX bans_by_author_token ON bans (author_token_hash) WHERE author_token_hash IS NOT NULL AND lifted_at IS NULL;
CREATE INDEX bans_by_comment ON bans (comment_id) WHERE comment_id IS NOT NULL;

CREATE TABLE audit_events (
    id          BIGSERIAL PRIMARY KEY,
    comment_id  BIGINT REFERENCES comments (id),
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    reason      TEXT,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_by_comment ON audit_events (comment_id, id) WHERE comment_id IS NOT NULL;
CREATE INDEX audit_by_actor ON audit_events (actor, id);
CREATE INDEX audit_by_action ON audit_events (action, id);
-- Append-only: no path in parley updates or deletes an event, and the database refuses it too.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TABLE site (
    key        TEXT PRIMARY KEY,
    value      BYTEA NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE idempotency_keys (
    key          TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    response     BYTEA NOT NULL,
    sealed       BYTEA,
    comment_id   BIGINT,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX idempotency_by_comment ON idempotency_keys (comment_id);
CREATE INDEX idempotency_by_age ON idempotency_keys (created_at);

-- The change feed: one number every write transaction raises, read by every instance's remembered answers.
CREATE TABLE changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO changes (id, n) VALUES (1, 0);
