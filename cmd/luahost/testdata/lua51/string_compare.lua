print("a" < "b", "abc" < "abd", "Z" < "a", "" < "a", "10" < "9")
