-- wrk script: POST /new?uri=URI with a JSON comment, as Isso's embed sends it.
-- Env: POST_URI (default "/bench/big/"), PARENT (optional comment id to reply to).
-- Requires [guard] enabled = false (see isso.cfg.template) or every POST after
-- the 2nd per minute gets 403. Each request inserts one row: repopulate after.
local uri = os.getenv("POST_URI") or "/bench/big/"
local parent = os.getenv("PARENT")
local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  local body = string.format(
    '{"text":"Benchmark comment %d with *some* Markdown and a [link](https://example.com/%d).",' ..
    '"author":"Bench %d","email":"bench%d@example.com","website":null,' ..
    '"parent":%s,"title":null,"notification":0}',
    counter, counter, counter % 97, counter % 97, parent or "null")
  return wrk.format(nil, "/new?uri=" .. urlencode(uri), nil, body)
end
