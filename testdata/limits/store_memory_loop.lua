-- Store calls on store.memory, forever.
local s = assert(store.get("app:cache"))
local i = 0
while true do
  i = i + 1
  s:set("k" .. (i % 100), i)
  s:get("k" .. (i % 100))
end
