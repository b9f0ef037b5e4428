-- Requests that are answered without a sale, for bench/cost_of_refusals.py: mode "me" (an authenticated GET of
-- cfg.path: the floor of a signed-in request) or "book" (POST a booking of cfg.seat of cfg.shows[1] again and
-- again: a seat already sold gives 409s, a seat number no show has gives 400s).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local cfg = common.cfg

local next_index = 0

function request()
  next_index = next_index + 1
  common.sent()
  local token = cfg.tokens[next_index % #cfg.tokens + 1]
  if cfg.mode == "me" then
    return wrk.format("GET", cfg.path, {["Authorization"] = "Bearer " .. token})
  end
  return wrk.format("POST", "/shows/" .. cfg.shows[1] .. "/book/",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token},
    '{"seat_number": ' .. cfg.seat .. '}')
end

response = function(status, headers, body) common.count(status, body) end
setup = common.setup
done = common.done
