-- Store calls whose errors are ignored, forever: each returns the limit
-- error, and the script never looks.
local s = assert(store.get("app:cache"))
while true do local _ = s:get("missing") end
