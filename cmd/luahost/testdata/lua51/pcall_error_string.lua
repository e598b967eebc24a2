print(pcall(error, "boom")) print(pcall(error, "boom", 0)) print(pcall(error, {}) == false)
