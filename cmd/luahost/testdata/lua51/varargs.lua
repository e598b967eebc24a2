local function f(...) return select("#", ...), ... end print(f(1, nil, 3))
