-- An argument error of a function that a Go function (pcall) called.
print(pcall(string.rep))
print(pcall(string.rep, "x", {}))
