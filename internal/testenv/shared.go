package testenv

import (
	"os"
	"path/filepath"
)

// fallbackShared is where the shared material lives on the development machine.
const fallbackShared = "/work/shared"

// SharedPath returns where rel (for example "corpus/tcpdump-tests") is in the shared material
// kept beside the repository: ../shared/rel next to the repository root (the directory holding
// go.mod, found upwards from the working directory), as a CI checkout lays it out, else
// /work/shared/rel. It returns the first that exists, or the first candidate when neither does,
// so that a test can name where it looked.
func SharedPath(rel string) string {
	var candidates []string
	if root := repoRoot(); root != "" {
		candidates = append(candidates, filepath.Join(filepath.Dir(root), "shared", rel))
	}
	candidates = append(candidates, filepath.Join(fallbackShared, rel))
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	return candidates[0]
}

// repoRoot is the nearest directory at or above the working directory holding go.mod.
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}
