local _, n = ("the quick brown fox"):gsub("%S+", "") print(n)
