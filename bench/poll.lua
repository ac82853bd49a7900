-- Authenticated session-status polls over the sessions bench/seed_sessions wrote to
-- $SESSIONS_FILE ("token sessionId" lines). Each request polls the next session, so lookups
-- walk the whole table instead of hitting one hot entry. In the pipelined scenario
-- (bench/pipeline.lua loads this first) each connection repeats one random session.
local sessions = {}
for line in io.lines(os.getenv("SESSIONS_FILE")) do
   local token, id = line:match("(%S+) (%S+)")
   sessions[#sessions + 1] = {token, id}
end
math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16))
local next_index = math.random(#sessions)

local function poll(i)
   local s = sessions[i]
   return "/api/game/session-status?sessionId=" .. s[2], {["Authorization"] = "Bearer " .. s[1]}
end

wrk.path, wrk.headers = poll(next_index)

function request()
   next_index = next_index % #sessions + 1
   local path, headers = poll(next_index)
   return wrk.format("GET", path, headers)
end
