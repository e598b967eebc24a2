print(#arg, arg[0], ...)
