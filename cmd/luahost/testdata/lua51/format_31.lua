print(string.format("%q", "plain"))
