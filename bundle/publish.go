package bundle

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// publish moves the finished bundle src (a folder, or an archive file when dir is false) to dest,
// failing with ErrExists rather than replacing whatever is at dest. Checking first and renaming
// after would replace a dest that appears in between; here the kernel refuses an existing name
// in the same call that claims it.
//
// An archive is hard-linked into place (link(2) never replaces a name) and its temporary name
// dropped; a folder cannot be linked, so it is renamed with RENAME_NOREPLACE where the system
// has it. Where neither works (a file system without hard links, a kernel or a file system that
// refuses rename flags), the name is claimed first by creating it exclusively, and src is renamed
// over that claim: what a rename then replaces is an empty file or folder made by this call.
func publish(src, dest string, dir bool) error {
	if !dir {
		err := os.Link(src, dest)
		if err == nil {
			return os.Remove(src)
		}
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s %w", dest, ErrExists)
		}
		var le *os.LinkError
		if !errors.As(err, &le) || !linkUnsupported(le.Err) {
			return err
		}
	}
	switch err := renameNoReplace(src, dest); {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%s %w", dest, ErrExists)
	case !errors.Is(err, errNoReplaceUnsupported):
		return err
	}
	return claimAndRename(src, dest, dir)
}

// claimAndRename creates dest exclusively (an empty folder or file), then renames src onto it.
func claimAndRename(src, dest string, dir bool) error {
	var err error
	if dir {
		err = os.Mkdir(dest, 0o755)
	} else {
		var f *os.File
		if f, err = os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644); err == nil {
			err = f.Close()
		}
	}
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s %w", dest, ErrExists)
	}
	if err != nil {
		return err
	}
	// syscall.Rename, not os.Rename: os.Rename refuses any existing folder, the claim included.
	if err := syscall.Rename(src, dest); err != nil {
		// The claim is ours and still empty unless someone wrote into it since; Remove keeps a
		// folder that is no longer empty.
		os.Remove(dest)
		return &os.LinkError{Op: "rename", Old: src, New: dest, Err: err}
	}
	return nil
}

// errNoReplaceUnsupported is what renameNoReplace returns where the system cannot rename
// without replacing.
var errNoReplaceUnsupported = errors.New("rename without replacing is not supported here")
