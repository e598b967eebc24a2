package repl_test

const helperEnv = "REPL_TEST_HELPER"

func helperMain() int { return 0 }
