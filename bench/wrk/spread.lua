-- wrk script: thread reads spread over many articles and every sort, some of them as the comment's author.
-- Env: SLUGS_FILE (one article slug a line), TOKENS_FILE (optional: "slug<TAB>edit token" a line),
-- OWN_SHARE (0..1, default 0: the share of reads sent with an author's X-Edit-Token for their own article).
local slugs, owned = {}, {}
for line in io.lines(os.getenv("SLUGS_FILE")) do
  if #line > 0 then slugs[#slugs + 1] = line end
end
local tokens_file = os.getenv("TOKENS_FILE")
if tokens_file and #tokens_file > 0 then
  for line in io.lines(tokens_file) do
    local slug, token = line:match("^([^\t]+)\t(.+)$")
    if slug then owned[#owned + 1] = {slug, token} end
  end
end
local own_share = tonumber(os.getenv("OWN_SHARE") or "0")
local sorts = {"oldest", "newest", "top"}

function setup(thread)
  thread:set("id", tostring(math.random(1, 1000000)))
end

function init(args)
  math.randomseed(os.time() + tonumber(wrk.thread:get("id") or "0"))
end

function request()
  local sort = sorts[math.random(1, #sorts)]
  if #owned > 0 and math.random() < own_share then
    local pick = owned[math.random(1, #owned)]
    local headers = {["X-Edit-Token"] = pick[2]}
    return wrk.format("GET", "/api/v1/articles/" .. pick[1] .. "/comments?sort=" .. sort, headers)
  end
  local slug = slugs[math.random(1, #slugs)]
  return wrk.format("GET", "/api/v1/articles/" .. slug .. "/comments?sort=" .. sort)
end
