print(os.date("!%U", 1709890200))
