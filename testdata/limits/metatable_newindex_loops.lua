-- A __newindex that stores elsewhere, forever.
local sink = {}
local t = setmetatable({}, {__newindex = function(_, k, v) sink[k % 1000] = v end})
local i = 0
while true do i = i + 1 t[i] = i end
