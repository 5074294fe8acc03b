package common

import (
	"io/fs"
	"os"
)

// Disk is the file system of the machine hopscope runs on, for investigations of files the
// operator named on the command line (replay): names are opened as given, relative to the working
// directory or absolute. Investigations opened from the screen (a bundled incident, a paste) never
// get it, so nothing typed or picked there reads the host's files; this matters over `serve`.
type Disk struct{}

// Open implements fs.FS. Unlike os.DirFS it takes absolute names and "..": they are the
// operator's own paths.
func (Disk) Open(name string) (fs.File, error) { return os.Open(name) }

// OnDisk reports whether fsys is the machine's file system, where a file may still grow (a log
// can be followed live); a bundled recording never changes.
func OnDisk(fsys fs.FS) bool {
	_, ok := fsys.(Disk)
	return ok
}
