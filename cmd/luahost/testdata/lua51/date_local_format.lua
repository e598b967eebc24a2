print(os.date("%Y-%m-%d %H:%M:%S %a %j", 1709890200))
