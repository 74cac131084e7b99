-- wrk script for the edge-auth bench.
-- Arguments (after `--`): <path> <header name> <file of header values, one per line, or "">.
-- Every request carries the next value from the file, cycling, so a pool of distinct tokens gives a
-- different token on every request. done() prints one JSON line the runner parses.

local path = "/"
local header_name = nil
local values = {}
local count = 0
local index = 0

function init(args)
  path = args[1] or "/"
  header_name = args[2]
  local file = args[3]
  if file ~= nil and file ~= "" then
    for line in io.lines(file) do
      if line ~= "" then
        count = count + 1
        values[count] = line
      end
    end
  end
end

function request()
  if count == 0 then
    return wrk.format("GET", path)
  end
  index = index % count + 1
  return wrk.format("GET", path, { [header_name] = values[index] })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50Us":%d,"p90Us":%d,"p99Us":%d,"meanUs":%.1f,"maxUs":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
