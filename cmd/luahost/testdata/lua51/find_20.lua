print(string.find("THE (quick) fox", "%((%a+)%)"))
