print(os.date("!%I:%M %p", 1709935200), os.date("!%I %p", 1709856000), os.date("!%I %p", 1709899200))
