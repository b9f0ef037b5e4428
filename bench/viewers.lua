-- Idle viewers of the live seat map (web/live.py), as browsers poll it: each of wrk's connections asks for the
-- seat state of one show, sending the last ETag in If-None-Match, then waits about a second (delay(), after the
-- answer, as the page's setTimeout does) and asks again on the same kept-alive connection.
-- One Lua state per wrk thread, so the ETag is the last one any of the thread's connections saw, not each
-- connection's own: all of them watch the same show, so after the first round it is the one a browser would hold.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local cfg = common.cfg

local etag = nil

function request()
  common.sent()
  local headers = {}
  if etag then headers["If-None-Match"] = etag end
  return wrk.format("GET", cfg.path, headers)
end

function response(status, headers, body)
  common.count(status, body)
  if status == 200 then
    etag = headers["etag"] or headers["ETag"] or etag
  end
end

-- Between half and one and a half intervals (mean: one), so the connections, which all start at once, spread
-- over the interval within a few rounds instead of polling in lockstep.
function delay()
  return math.random(math.floor(cfg.interval_ms / 2), math.floor(cfg.interval_ms * 3 / 2))
end

setup = common.setup
done = common.done
