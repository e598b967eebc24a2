print(os.date("!%Y-%m-%d %j %a", 951782400))
