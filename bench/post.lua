-- wrk script: POSTs a JSON contact form, with an e-mail address unique to
-- each request (run tag, wrk thread, counter), and prints one RESULT line.
-- Usage: wrk -t2 -c32 -d10s -s bench/post.lua http://HOST:PORT/forms/bench -- TAG

local threads = {}
local counter = 0
local tag = "0"
non2xx = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  tag = args[1] or "0"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json"
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"name":"Ada Lovelace","email":"ada+%s-%d-%d@example.com",'
      .. '"phone":"+44 20 7946 0958","company":"Analytical Engines Ltd",'
      .. '"message":"Hello, I would like a quote for a new website.",'
      .. '"utm_source":"newsletter"}',
    tag, thread_id, counter)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local non2xx_total = 0
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + (thread:get("non2xx") or 0)
  end
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d non2xx=%d "
      .. "status_errors=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max, non2xx_total,
    e.status, e.connect, e.read, e.write, e.timeout))
end
