print(string.format("%q", "a\"b\\c\nd\re\0f"))
