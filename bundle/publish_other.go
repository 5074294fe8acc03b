//go:build !linux

package bundle

// renameNoReplace has no portable form outside Linux: publish claims the name instead.
func renameNoReplace(src, dest string) error { return errNoReplaceUnsupported }

// linkUnsupported: any failure of os.Link other than an existing name sends publish to the
// claim-then-rename way.
func linkUnsupported(error) bool { return true }
