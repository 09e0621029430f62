-- Trust that an impersonator cannot type: an author key handed to each author with their first comment
-- (kept as its SHA-256, like edit tokens) decides who is a returning author. `author_key` (duplicates and
-- the author's pace) is from here on that key's hash, or a keyed hash of the e-mail or name at one network;
-- `address_hash` is the keyed hash of the author's network (an IPv4 address or an IPv6 /64).
ALTER TABLE comments ADD COLUMN author_token_hash TEXT;
-- What the author of a comment held as spam was told it became (what an ordinary comment would have become).
ALTER TABLE comments ADD COLUMN told_status TEXT CHECK (told_status IN ('pending', 'approved'));
CREATE INDEX comments_by_author_token ON comments (author_token_hash, status) WHERE author_token_hash IS NOT NULL;
CREATE INDEX comments_by_author_time ON comments (author_key, created_at);

-- The text an edit replaced, so a moderator sees what changed; erased with its comment.
CREATE TABLE comment_revisions (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER NOT NULL REFERENCES comments (id),
    body        TEXT NOT NULL,
    body_html   TEXT NOT NULL,
    replaced_at TEXT NOT NULL
);
CREATE INDEX comment_revisions_by_comment ON comment_revisions (comment_id, id);

-- Bans by network: `address_hash` names a client's network (prefix NULL) or a CIDR network of `prefix` bits;
-- a ban may also name the author key of the comment it was made from.
ALTER TABLE bans ADD COLUMN prefix INTEGER CHECK (prefix BETWEEN 8 AND 128);
ALTER TABLE bans ADD COLUMN author_token_hash TEXT;
CREATE INDEX bans_by_author_token ON bans (author_token_hash) WHERE author_token_hash IS NOT NULL AND lifted_at IS NULL;

-- Idempotency keys are kept per client (a keyed hash of network, author key and the key itself), and the
-- tokens of the first answer sealed with a pad only the server can make again.
ALTER TABLE idempotency_keys ADD COLUMN sealed BLOB;
DELETE FROM idempotency_keys;
