for d = 0, 13 do io.write(os.date("!%U/%W/%w ", 1704067200 + d * 86400)) end print()
