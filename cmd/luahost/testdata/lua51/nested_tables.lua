local t = {a = {b = {c = "deep"}}} print(t.a.b.c, #t, t["a"]["b"]["c"])
