print(string.find("[]", "[]]"))
