-- wrk script: one kind of Roster API request, chosen by environment variables.
--   ROSTER_TOKEN   bearer token
--   ROSTER_KIND    healthz | check | check_reasons | seat
--   ROSTER_USERS   comma-separated user ids (check: the users asked about; seat: the users
--                  whose seats are assigned, then unassigned, round after round)
local token = os.getenv("ROSTER_TOKEN") or ""
local kind = os.getenv("ROSTER_KIND") or "healthz"
local users = {}
for id in string.gmatch(os.getenv("ROSTER_USERS") or "", "[^,]+") do
  users[#users + 1] = id
end
local permissions = { "users:read", "invitations:create", "billing:manage", "projects:create",
  "reports:export", "seats:assign" }
local n = 0

request = function()
  n = n + 1
  local headers = { ["authorization"] = "Bearer " .. token, ["content-type"] = "application/json" }
  if kind == "healthz" then
    return wrk.format("GET", "/healthz")
  elseif kind == "check" or kind == "check_reasons" then
    local user = users[(n % #users) + 1]
    local permission = permissions[(n % #permissions) + 1]
    local reasons = kind == "check_reasons" and "true" or "false"
    local body = string.format('{"user_id":"%s","permission":"%s","reasons":%s}', user,
      permission, reasons)
    return wrk.format("POST", "/v1/orgs/acme/checks", headers, body)
  else
    -- Seats: the first round assigns each user's seat, the next unassigns it, and so on, so
    -- every request is a real write.
    local i = ((n - 1) % #users) + 1
    local round = math.floor((n - 1) / #users)
    local method = (round % 2 == 0) and "PUT" or "DELETE"
    return wrk.format(method, "/v1/orgs/acme/users/" .. users[i] .. "/seat", headers)
  end
end

done = function(summary, latency, requests)
  -- wrk counts responses outside 2xx and 3xx as status errors.
  io.write(string.format(
    'RESULT {"requests": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.0f, ' ..
    '"duration_us": %d, "non_2xx": %d}\n',
    summary.requests, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, summary.duration, summary.errors.status))
end
