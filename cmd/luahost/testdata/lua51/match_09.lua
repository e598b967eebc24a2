print(string.match("[[x]]", "%[%[(.*)%]%]"))
