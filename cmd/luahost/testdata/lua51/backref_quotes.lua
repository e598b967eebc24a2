print(('say "hi" and \'bye\''):match("([\"\'])(.-)%1"))
