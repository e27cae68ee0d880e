-- One small engagement event per request, each with a fresh event_id, for
-- 1,000 different leads: the durable single-event ingestion path.
local counter = 0
local prefix = tostring(math.random(1, 1000000000))

request = function()
  counter = counter + 1
  local body = string.format(
    '{"email":"lead%d@acme.com","type":"page_view","event_id":"%s-%d","properties":{"path":"/pricing"}}',
    counter % 1000, prefix, counter)
  return wrk.format("POST", "/v1/events", {["Content-Type"] = "application/json"}, body)
end
