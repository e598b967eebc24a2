print(("Hello World 123"):gsub("[a-z]", "*"), ("Hello World 123"):gsub("[A-Z0-9]", "#"))
