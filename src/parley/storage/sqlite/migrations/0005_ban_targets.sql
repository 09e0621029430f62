-- What a ban names, as the moderator gave it, for moderators to read and search: the e-mail, the network, or
-- the comment whose author it bans. The hashes stay what bans are matched by. Bans made before these columns
-- kept only hashes, so they show no e-mail or network; the comment is read back from the audit log.
ALTER TABLE bans ADD COLUMN email TEXT;
ALTER TABLE bans ADD COLUMN network TEXT;
ALTER TABLE bans ADD COLUMN comment_id INTEGER;
UPDATE bans SET comment_id = (
    SELECT e.comment_id FROM audit_events e
     WHERE e.action = 'ban' AND e.comment_id IS NOT NULL
       AND (e.reason = 'ban ' || bans.id OR e.reason LIKE 'ban ' || bans.id || ' %' OR e.reason LIKE 'ban ' || bans.id || ':%')
     ORDER BY e.id LIMIT 1
);
CREATE INDEX bans_by_comment ON bans (comment_id) WHERE comment_id IS NOT NULL;
