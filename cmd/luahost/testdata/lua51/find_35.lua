print(string.find("MiXeD", "%u%l"))
