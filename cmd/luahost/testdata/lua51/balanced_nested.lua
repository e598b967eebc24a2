print(("x = {a = {b}, c}"):match("%b{}"))
