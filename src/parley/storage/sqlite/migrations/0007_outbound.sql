-- What leaves the site: webhook subscriptions, the outbox of deliveries and e-mails with their attempts, the
-- readers' position in the audit log for each consumer, reply notices asked for, and addresses that opted out.

CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    url         TEXT NOT NULL,
    events      TEXT NOT NULL,  -- JSON array of event types
    secret      TEXT NOT NULL,
    from_event_id INTEGER NOT NULL,  -- the audit log's end when it was made: no earlier event is sent
    description TEXT,
    created_at  TEXT NOT NULL,
    deleted_at  TEXT
);

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL CHECK (channel IN ('webhook', 'mail')),
    webhook_id   INTEGER REFERENCES webhooks (id),
    recipient    TEXT,  -- an e-mail address until the mail is sent
    email_hash   TEXT,
    kind         TEXT NOT NULL,
    message_id   TEXT NOT NULL UNIQUE,
    comment_id   INTEGER REFERENCES comments (id),
    event_id     INTEGER,
    payload      BLOB NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    due_at       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    delivered_at TEXT,
    last_status  INTEGER,
    last_error   TEXT,
    CHECK ((channel = 'webhook') = (webhook_id IS NOT NULL))
);
CREATE INDEX outbox_due ON outbox (due_at, id) WHERE state = 'pending';
CREATE INDEX outbox_by_webhook ON outbox (webhook_id, id) WHERE webhook_id IS NOT NULL;
CREATE INDEX outbox_by_email ON outbox (email_hash, created_at) WHERE email_hash IS NOT NULL;

CREATE TABLE outbox_attempts (
    id          INTEGER PRIMARY KEY,
    outbox_id   INTEGER NOT NULL REFERENCES outbox (id),
    started_at  TEXT NOT NULL,
    status_code INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0)
);
CREATE INDEX outbox_attempts_by_item ON outbox_attempts (outbox_id, id);

-- Each consumer of the audit log (webhooks, e-mail) and where it has read to; the lease names the one process
-- that may work the outbox now (its row is named 'lease'). A consumer without a row starts where the log ends.
CREATE TABLE cursors (
    name        TEXT PRIMARY KEY,
    event_id    INTEGER NOT NULL,
    holder      TEXT,
    lease_at    TEXT,  -- the lease ends then
    touched_at  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE reply_notices (
    comment_id INTEGER PRIMARY KEY REFERENCES comments (id),
    created_at TEXT NOT NULL
);

CREATE TABLE mail_optouts (
    email_hash TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
) WITHOUT ROWID;
