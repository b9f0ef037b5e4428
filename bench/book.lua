-- Every request books a seat nobody has booked before: seat 1..N of the first show, then of the next, ...
-- run.py gives each concurrency level shows of its own, and enough of them for the level's duration; should
-- they run out, the requests ask for a seat past the last one and show up as 400s in the table.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local cfg = common.cfg

local next_index = 0  -- per wrk thread; run.py runs wrk with one thread, so this numbers every request

function request()
  local i = next_index
  next_index = next_index + 1
  common.sent()
  local show = cfg.shows[math.floor(i / cfg.seats) + 1]
  local seat = i % cfg.seats + 1
  if show == nil then
    show, seat = cfg.shows[#cfg.shows], cfg.seats + 1
  end
  local token = cfg.tokens[i % #cfg.tokens + 1]
  return wrk.format("POST", "/shows/" .. show .. "/book/",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token},
    '{"seat_number": ' .. seat .. '}')
end

response = function(status, headers, body) common.count(status, body) end
setup = common.setup
done = common.done
