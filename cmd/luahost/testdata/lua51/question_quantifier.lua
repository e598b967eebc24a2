print(("color colour"):gsub("colou?r", "C"))
