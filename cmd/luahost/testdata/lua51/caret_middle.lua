print(("a^b"):find("a^b"), ("a^b"):gsub("%^", "v"))
