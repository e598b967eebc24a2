package luamod

// SetMaxElements lowers the element limit of Encode for a test and returns
// a function that restores it.
func SetMaxElements(n int) (restore func()) {
	old := maxElements
	maxElements = n
	return func() { maxElements = old }
}
