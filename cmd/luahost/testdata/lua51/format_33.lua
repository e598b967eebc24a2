print(string.format("%3%|"))
