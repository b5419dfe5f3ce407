-- wrk script: GET each request path of the file given after "--", in turn, and print a JSON summary.
-- Usage: wrk -t2 -c8 -d3s -s bench/wrk.lua http://127.0.0.1:PORT -- paths.txt
local paths = {}
local index = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      table.insert(paths, line)
    end
  end
  index = math.random(#paths) - 1
end

function request()
  index = (index % #paths) + 1
  return wrk.format("GET", paths[index], { ["Accept"] = "application/sparql-results+json" })
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, "timeouts": %d, '
      .. '"p50_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, errors, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
