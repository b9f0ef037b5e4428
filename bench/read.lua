-- The read mix: the paths run.py lists (movies, a movie's shows, a show, the seat map when there is one),
-- requested in turn, anonymously.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local paths = common.cfg.read_paths

local next_index = 0

function request()
  local path = paths[next_index % #paths + 1]
  next_index = next_index + 1
  common.sent()
  return wrk.format("GET", path)
end

response = function(status, headers, body) common.count(status, body) end
setup = common.setup
done = common.done
