package common

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

// Folder is one folder of the machine's disk, for an investigation whose files hopscope wrote
// there itself (the inputs a trainee asked for): names are absolute or relative to the folder, and
// a name that leads out of it is refused, so nothing named by the evidence reads other host files.
// Its files are copies that never grow: a log in it is not followed.
type Folder string

// Open implements fs.FS.
func (d Folder) Open(name string) (fs.File, error) {
	root := filepath.Clean(string(d))
	p := filepath.FromSlash(name)
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	rel, err := filepath.Rel(root, filepath.Clean(p))
	if string(d) == "" || err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return os.Open(filepath.Join(root, rel))
}
