print(("hello hello"):gsub("^hello", "bye"))
