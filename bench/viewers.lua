-- Idle viewers of one show's seat map, as the web page polls it: every connection asks for the seat state once per
-- interval, sending the ETag of the last full answer (If-None-Match), so an unchanged map is a 304 without body.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local cfg = common.cfg

local etag = nil  -- per wrk thread (run.py runs one): the newest state any of its connections has seen

function request()
  common.sent()
  local headers = {}
  if etag then headers["If-None-Match"] = etag end
  return wrk.format("GET", cfg.path, headers)
end

-- wrk waits this long (ms) after each response before the connection's next request: one poll per interval.
function delay()
  return cfg.interval_ms
end

response = function(status, headers, body)
  if status == 200 then etag = headers["ETag"] or etag end
  common.count(status, body)
end
setup = common.setup
done = common.done
