print(string.match("<a><b>", "<(.-)>"))
