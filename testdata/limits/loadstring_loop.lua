-- Code compiled at run time loops.
assert(loadstring("while true do end"))()
