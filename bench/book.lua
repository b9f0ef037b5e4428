-- Every request books a seat nobody has booked before. Mode "spread" (the level table): the requests go round the
-- level's shows (request i: show i mod #shows, seat i div #shows + 1), so concurrent bookings are of different
-- shows. Mode "hot" (the one-hot-show row): every request books the next seat of one show, so all the load is on
-- a single show's seats. run.py gives each run shows of its own, and enough seats for its duration; should they
-- run out, the requests ask for a seat past the last one and show up as 400s in the table.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local cfg = common.cfg

local next_index = 0  -- per wrk thread; run.py runs wrk with one thread, so this numbers every request

function request()
  local i = next_index
  next_index = next_index + 1
  common.sent()
  local show, seat
  if cfg.mode == "hot" then
    show, seat = cfg.shows[1], i + 1
  else
    show, seat = cfg.shows[i % #cfg.shows + 1], math.floor(i / #cfg.shows) + 1
  end
  if seat > cfg.seats then
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
