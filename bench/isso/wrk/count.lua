-- wrk script: POST /count with a JSON list of N thread URIs (Isso's count.js request).
-- Env: COUNT_URIS (default 50), URI_TEMPLATE (default "/bench/post-%d/", i = 1..N).
local n = tonumber(os.getenv("COUNT_URIS") or "50")
local template = os.getenv("URI_TEMPLATE") or "/bench/post-%d/"
local uris = {}
for i = 1, n do uris[i] = '"' .. string.format(template, i) .. '"' end
wrk.method = "POST"
wrk.path = "/count"
wrk.body = "[" .. table.concat(uris, ",") .. "]"
wrk.headers["Content-Type"] = "application/json"

