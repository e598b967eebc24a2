print(string.gsub("CamelCaseName", "(%u)", " %1"))
