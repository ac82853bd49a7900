-- wrk script for N-deep HTTP pipelining: every write carries N requests (N = first script
-- argument, after wrk's "--"; 16 if absent). wrk counts each response, so its totals are requests.
-- $WRK_SCRIPT, when set, is loaded first: headers it puts in wrk.headers (a token, say) go into
-- every pipelined request; a request() or init() it defines is replaced by the ones below.
local extra = os.getenv("WRK_SCRIPT")
if extra and extra ~= "" then
   dofile(extra)
end

local pipelined

function init(args)
   local depth = tonumber(args[1]) or 16
   local requests = {}
   for i = 1, depth do
      requests[i] = wrk.format()
   end
   pipelined = table.concat(requests)
end

function request()
   return pipelined
end
