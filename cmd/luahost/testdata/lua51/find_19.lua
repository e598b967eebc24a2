print(string.find("key=val", "(%w+)=(%w+)"))
