package bundle

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// renameNoReplace renames src to dest unless dest exists (renameat2 with RENAME_NOREPLACE,
// Linux 3.15; not every file system takes the flag).
func renameNoReplace(src, dest string) error {
	err := unix.Renameat2(unix.AT_FDCWD, src, unix.AT_FDCWD, dest, unix.RENAME_NOREPLACE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EOPNOTSUPP):
		return errNoReplaceUnsupported
	}
	return &os.LinkError{Op: "rename", Old: src, New: dest, Err: err}
}

// linkUnsupported reports whether link(2) failed because the file system has no hard links.
func linkUnsupported(err error) bool {
	return errors.Is(err, unix.EPERM) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EMLINK)
}
