print(string.find("tab\there", "%c"))
