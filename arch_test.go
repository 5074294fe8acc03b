package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering keeps DESIGN.md's arrows true: only ui (and main) may depend on the terminal UI
// libraries, and nothing but main may import ui or lab.
func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/hopscope/hopscope"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, " ")
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, mod), "/")
		isUI := rel == "ui" || strings.HasPrefix(rel, "ui/")
		isLab := rel == "lab" || strings.HasPrefix(rel, "lab/")
		for _, d := range strings.Fields(deps) {
			switch {
			case pkg == mod || isUI:
			case strings.HasPrefix(d, "charm.land/") || strings.HasPrefix(d, "github.com/charmbracelet/"):
				t.Errorf("%s depends on UI library %s", rel, d)
			case d == mod+"/ui" || strings.HasPrefix(d, mod+"/ui/"):
				t.Errorf("%s imports %s: only main may", rel, d)
			case !isLab && (d == mod+"/lab" || strings.HasPrefix(d, mod+"/lab/")):
				t.Errorf("%s depends on the lab, which is not needed at run time", rel)
			}
		}
	}
}
