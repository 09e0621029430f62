-- Why a removed comment is removed, said rather than inferred: its author deleted it, a moderator removed it,
-- or it was erased at its author's request (never to be restored). Comments removed before this column are
-- read from the audit log once, here.
ALTER TABLE comments ADD COLUMN removed_by TEXT CHECK (removed_by IN ('author', 'moderator', 'erasure'));
UPDATE comments SET removed_by = 'moderator' WHERE status = 'removed';
UPDATE comments SET removed_by = 'author'
 WHERE status = 'removed'
   AND (SELECT action FROM audit_events e WHERE e.comment_id = comments.id ORDER BY e.id DESC LIMIT 1) = 'delete';
UPDATE comments SET removed_by = 'erasure'
 WHERE status = 'removed' AND EXISTS (SELECT 1 FROM audit_events e WHERE e.comment_id = comments.id AND e.action = 'purge');
