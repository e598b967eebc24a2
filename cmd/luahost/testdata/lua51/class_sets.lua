print(("a1_B2-c3"):gsub("[%w_]", "."), ("a1_B2-c3"):gsub("[^%d]", ""))
