package bundle

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestDestinationAppearingMidWriteIsKept: a destination made after Write looked for it (here
// while the inputs are copied) is neither replaced nor merged into; Write says it exists and
// leaves no temporary files. An empty folder and a plain file are what a rename would replace.
func TestDestinationAppearingMidWriteIsKept(t *testing.T) {
	sess, inputs := run(t, "../testdata/incidents/tunnel-407")
	for _, tc := range []struct {
		name    string
		makeDir bool
	}{{"bundle", true}, {"bundle.tar.gz", false}, {"bundle.tgz", false}} {
		parent := t.TempDir()
		dest := filepath.Join(parent, tc.name)
		made := false
		open := func(p string) (io.ReadCloser, error) {
			if !made {
				made = true
				var err error
				if tc.makeDir {
					err = os.Mkdir(dest, 0o700)
				} else {
					err = os.WriteFile(dest, []byte("theirs"), 0o600)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			return os.Open(p)
		}
		_, err := Write(context.Background(), dest, sess, inputs, Options{Open: open, Now: fixed})
		if !made {
			t.Fatalf("%s: no input was opened, the destination was never planted", tc.name)
		}
		if !errors.Is(err, ErrExists) {
			t.Errorf("%s: err = %v, want ErrExists", tc.name, err)
		}
		assertUntouched(t, dest, tc.makeDir)
		if left, _ := os.ReadDir(parent); len(left) != 1 {
			t.Errorf("%s: left beside it %v", tc.name, left)
		}
	}
}

// TestPublishNeverReplaces calls each way publish can move a bundle on a destination that is
// there already, including the claim-then-rename way used where the system has neither hard
// links nor rename flags, and then on a free one.
func TestPublishNeverReplaces(t *testing.T) {
	ways := map[string]func(src, dest string, dir bool) error{
		"publish": publish,
		"claim":   claimAndRename,
	}
	for way, move := range ways {
		for _, isDir := range []bool{true, false} {
			parent := t.TempDir()
			src := filepath.Join(parent, "src")
			if isDir {
				os.Mkdir(src, 0o755)
				os.WriteFile(filepath.Join(src, "report.md"), []byte("ours"), 0o644)
			} else {
				os.WriteFile(src, []byte("ours"), 0o644)
			}
			dest := filepath.Join(parent, "dest")
			if isDir {
				os.Mkdir(dest, 0o700)
			} else {
				os.WriteFile(dest, []byte("theirs"), 0o600)
			}
			if err := move(src, dest, isDir); !errors.Is(err, ErrExists) {
				t.Errorf("%s dir=%v: err = %v, want ErrExists", way, isDir, err)
			}
			assertUntouched(t, dest, isDir)
			if _, err := os.Stat(src); err != nil {
				t.Errorf("%s dir=%v: the bundle itself is gone: %v", way, isDir, err)
			}

			free := filepath.Join(parent, "free")
			if err := move(src, free, isDir); err != nil {
				t.Fatalf("%s dir=%v: onto a free name: %v", way, isDir, err)
			}
			got := free
			if isDir {
				got = filepath.Join(free, "report.md")
			}
			if b, err := os.ReadFile(got); err != nil || string(b) != "ours" {
				t.Errorf("%s dir=%v: published %q, %v", way, isDir, b, err)
			}
			if _, err := os.Lstat(src); !os.IsNotExist(err) {
				t.Errorf("%s dir=%v: the temporary name is still there (%v)", way, isDir, err)
			}
		}
	}
}

// assertUntouched checks that dest is still the empty folder or the "theirs" file planted there.
func assertUntouched(t *testing.T, dest string, isDir bool) {
	t.Helper()
	if isDir {
		fi, err := os.Stat(dest)
		if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s was replaced: %v %v", dest, fi, err)
			return
		}
		if ents, _ := os.ReadDir(dest); len(ents) != 0 {
			t.Errorf("%s was written into: %v", dest, ents)
		}
		return
	}
	if b, err := os.ReadFile(dest); err != nil || string(b) != "theirs" {
		t.Errorf("%s was replaced: %q %v", dest, b, err)
	}
}
