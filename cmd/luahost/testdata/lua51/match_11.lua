print(string.match("path/to/file.txt", "([^/]+)$"))
