-- Idempotency records name the comment they answered, and grow old: a retry comes within minutes, and the
-- stored first answer (an author's name and text) must not outlive the comment's erasure or a day.
ALTER TABLE idempotency_keys ADD COLUMN comment_id INTEGER;
UPDATE idempotency_keys SET comment_id = CAST(json_extract(CAST(response AS TEXT), '$.comment.id') AS INTEGER);
CREATE INDEX idempotency_by_comment ON idempotency_keys (comment_id);
CREATE INDEX idempotency_by_age ON idempotency_keys (created_at);
