// Package incident lists and loads the recorded incidents bundled with hopscope: folders holding a
// truth.yaml (what was broken) beside what was recorded (what the client saw, captures, logs). It
// draws nothing; the home screen lists what it finds.
package incident

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hopscope/hopscope/analyze"
	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

// Roots are the folders of the bundle that hold incidents: scenarios recorded from the lab's real
// servers, and incidents written from pasted text.
var Roots = []string{"testdata/scenarios", "testdata/incidents"}

// Incident is one recorded incident.
type Incident struct {
	// Dir is the incident's folder in the bundle.
	Dir string
	// Name, Title, Cause, Playbook and Story come from truth.yaml.
	Name     string `yaml:"scenario"`
	Title    string `yaml:"title"`
	Cause    string `yaml:"cause"`
	Playbook string `yaml:"playbook"`
	Story    string `yaml:"story"`
}

// List finds the incidents in fsys, recorded scenarios first, each root sorted by name. A folder
// whose truth.yaml cannot be read is left out.
func List(fsys fs.FS) []Incident {
	if fsys == nil {
		return nil
	}
	var out []Incident
	for _, root := range Roots {
		entries, err := fs.ReadDir(fsys, root)
		if err != nil {
			continue
		}
		var found []Incident
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			dir := path.Join(root, e.Name())
			b, err := fs.ReadFile(fsys, path.Join(dir, "truth.yaml"))
			if err != nil {
				continue
			}
			inc := Incident{Dir: dir}
			if yaml.Unmarshal(b, &inc) != nil {
				continue
			}
			if inc.Name == "" {
				inc.Name = e.Name()
			}
			if inc.Title == "" {
				inc.Title = inc.Name
			}
			found = append(found, inc)
		}
		sort.Slice(found, func(i, j int) bool { return found[i].Name < found[j].Name })
		out = append(out, found...)
	}
	return out
}

// Load reads an incident's recordings with analyze.CollectFS, leaving out truth.yaml and the lab's
// config/ folder so that nothing but what was observed becomes evidence. Sources are named
// relative to the incident's folder ("client.txt:3").
func Load(ctx context.Context, kb *knowledge.Base, fsys fs.FS, inc Incident) ([]diagnose.Evidence, []diagnose.Input, error) {
	sub, err := fs.Sub(fsys, inc.Dir)
	if err != nil {
		return nil, nil, fmt.Errorf("incident %s: %w", inc.Name, err)
	}
	evs, ins, err := analyze.CollectFS(ctx, kb, observed{sub}, []string{"."}, analyze.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("incident %s: %w", inc.Name, err)
	}
	return evs, ins, nil
}

// Files returns the incident's recordings as a file system whose names are those of the
// evidence's sources ("any.pcapng", "apache-error.log"): the panes that page through a capture or
// a log read them from here, never from the disk. nil when the folder is not in fsys.
func Files(fsys fs.FS, inc Incident) fs.FS {
	sub, err := fs.Sub(fsys, inc.Dir)
	if err != nil {
		return nil
	}
	return observed{sub}
}

// observed hides what an incident's folder holds besides the observations.
type observed struct{ fsys fs.FS }

func hidden(name string) bool {
	return name == "truth.yaml" || name == "config" || strings.HasPrefix(name, "config/") || strings.HasSuffix(name, ".md")
}

func (o observed) Open(name string) (fs.File, error) {
	if hidden(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return o.fsys.Open(name)
}

func (o observed) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(o.fsys, name)
	var out []fs.DirEntry
	for _, e := range entries {
		if !hidden(path.Join(name, e.Name())) {
			out = append(out, e)
		}
	}
	return out, err
}
