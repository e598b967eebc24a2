print(string.find("x", "[%a_][%w_]*"))
