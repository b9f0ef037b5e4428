-- Shared by the wrk scripts: the run's data (written by run.py as a Lua table), per-status counting in each
-- wrk thread, and one machine-readable summary line from done() that run.py parses.
local M = {}

M.cfg = dofile(os.getenv("BENCH_WRK_CONFIG"))

-- One Lua state per wrk thread: these are that thread's globals, collected by done() with thread:get().
statuses = {}
sent = 0          -- requests handed to wrk; minus the responses, that is what was in flight when wrk stopped
booked_ids = {}   -- the booking id of every 201, so run.py can match responses to rows one by one

function M.sent()
  sent = sent + 1
end

function M.count(status, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 then
    -- The booking's own id comes first in the body ({"id":123,"show":{"id":...).
    booked_ids[#booked_ids + 1] = tonumber(body:match('"id":(%d+)'))
  end
end

local threads = {}

function M.setup(thread)
  table.insert(threads, thread)
end

function M.done(summary, latency)
  local merged, total_sent = {}, 0
  local ids_out = os.getenv("BENCH_IDS_OUT")
  local ids_file = ids_out and io.open(ids_out, "w")
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + n
    end
    total_sent = total_sent + thread:get("sent")
    if ids_file then
      for _, id in ipairs(thread:get("booked_ids")) do
        ids_file:write(id, "\n")
      end
    end
  end
  if ids_file then ids_file:close() end
  local parts = {}
  for status, n in pairs(merged) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"duration_us": %d, "requests": %d, "sent": %d, "statuses": {%s}, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.duration, summary.requests, total_sent, table.concat(parts, ", "),
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end

return M
