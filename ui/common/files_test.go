package common

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestFolderOpensOnlyItsOwnFiles: a training's folder opens the copies in it, by absolute or
// relative name, and refuses every name that leads out of it.
func TestFolderOpensOnlyItsOwnFiles(t *testing.T) {
	dir := t.TempDir()
	inside := filepath.Join(dir, "incident")
	if err := os.MkdirAll(inside, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(inside, "error.log"), filepath.Join(dir, "secret")} {
		if err := os.WriteFile(p, []byte("x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	d := Folder(inside)
	for _, name := range []string{filepath.Join(inside, "error.log"), "error.log"} {
		f, err := d.Open(name)
		if err != nil {
			t.Errorf("open %s: %v", name, err)
			continue
		}
		f.Close()
	}
	for _, name := range []string{filepath.Join(dir, "secret"), "../secret", inside + "/../secret", "/etc/passwd"} {
		if f, err := d.Open(name); !errors.Is(err, fs.ErrPermission) {
			if f != nil {
				f.Close()
			}
			t.Errorf("open %s: %v, want it refused", name, err)
		}
	}
	if _, err := Folder("").Open("/etc/passwd"); err == nil {
		t.Error("an empty folder opened a file")
	}
}
