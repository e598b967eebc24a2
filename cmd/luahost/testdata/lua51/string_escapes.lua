print("tab\tnew\\line", "\65\066\x", "quote\"s", 'single\'s')
