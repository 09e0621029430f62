-- The newest comments readers can see, site-wide and per article: what the Atom feeds list.
CREATE INDEX comments_visible_newest ON comments (id) WHERE visible;
CREATE INDEX comments_visible_by_article ON comments (article_id, id) WHERE visible;
