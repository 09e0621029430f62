-- What leaves the site: webhook subscriptions, the outbox of deliveries and e-mails with their attempts, the
-- readers' position in the audit log for each consumer, reply notices asked for, and addresses that opted out.

CREATE TABLE webhooks (
    id          bigserial PRIMARY KEY,
    url         text NOT NULL,
    events      text[] NOT NULL,
    secret      text NOT NULL,
    from_event_id bigint NOT NULL,
    description text,
    created_at  timestamptz NOT NULL,
    deleted_at  timestamptz
);

CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    channel      text NOT NULL CHECK (channel IN ('webhook', 'mail')),
    webhook_id   bigint REFERENCES webhooks (id),
    recipient    text,
    email_hash   text,
    kind         text NOT NULL,
    message_id   text NOT NULL UNIQUE,
    comment_id   bigint REFERENCES comments (id),
    event_id     bigint,
    payload      bytea NOT NULL,
    state        text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    due_at       timestamptz NOT NULL,
    created_at   timestamptz NOT NULL,
    delivered_at timestamptz,
    last_status  integer,
    last_error   text,
    CHECK ((channel = 'webhook') = (webhook_id IS NOT NULL))
);
CREATE INDEX outbox_due ON outbox (due_at, id) WHERE state = 'pending';
CREATE INDEX outbox_by_webhook ON outbox (webhook_id, id) WHERE webhook_id IS NOT NULL;
CREATE INDEX outbox_by_email ON outbox (email_hash, created_at) WHERE email_hash IS NOT NULL;

CREATE TABLE outbox_attempts (
    id          bigserial PRIMARY KEY,
    outbox_id   bigint NOT NULL REFERENCES outbox (id),
    started_at  timestamptz NOT NULL,
    status_code integer,
    error       text,
    duration_ms integer NOT NULL CHECK (duration_ms >= 0)
);
CREATE INDEX outbox_attempts_by_item ON outbox_attempts (outbox_id, id);

CREATE TABLE cursors (
    name       text PRIMARY KEY,
    event_id   bigint NOT NULL,
    holder     text,
    lease_at   timestamptz,
    touched_at timestamptz NOT NULL
);

CREATE TABLE reply_notices (
    comment_id bigint PRIMARY KEY REFERENCES comments (id),
    created_at timestamptz NOT NULL
);

CREATE TABLE mail_optouts (
    email_hash text PRIMARY KEY,
    created_at timestamptz NOT NULL
);
