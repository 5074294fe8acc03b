// Package incident lists and loads the recorded incidents bundled with hopscope: folders holding a
// truth.yaml (what was broken) beside what was recorded (what the client saw, captures, logs). It
// draws nothing; the home screen lists what it finds.
package incident

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
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
	// Captures, Logs and Texts count what was recorded: capture files, server logs, and text
	// (what the client saw, pasted errors).
	Captures, Logs, Texts int `yaml:"-"`
	// Number is the incident's place in the list the home screen shows (from 1; see Grouped).
	Number int `yaml:"-"`
}

// Label is the incident's neutral name for lists and headers: its number and what was recorded.
// It never names the cause, the scenario or the software that failed (the folder names are cause
// ids, and a proxy's name can give the cause away), so a trainee sees only what an on-call
// engineer would have.
func (inc Incident) Label() string {
	var what []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			what = append(what, one)
		case n > 1:
			what = append(what, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(inc.Captures, "a capture", "captures")
	add(inc.Logs, "a log", "logs")
	// Beside captures and logs, text is what the client saw; alone, it is what was pasted.
	if inc.Captures+inc.Logs == 0 {
		add(inc.Texts, "pasted text", "pasted texts")
	}
	label := fmt.Sprintf("Incident %d", inc.Number)
	if len(what) > 0 {
		label += " · " + strings.Join(what, ", ")
	}
	return label
}

// Group is the incidents of one playbook.
type Group struct {
	// Playbook is the playbook's id, "" for incidents of none the order names.
	Playbook  string
	Incidents []Incident
}

// Grouped orders the incidents by playbook, in the order given (the knowledge base's), those of
// any other playbook last, and numbers them from 1 in that order.
func Grouped(list []Incident, playbooks []string) []Group {
	var out []Group
	n := 0
	take := func(id string, match func(Incident) bool) {
		g := Group{Playbook: id}
		for _, inc := range list {
			if match(inc) {
				n++
				inc.Number = n
				g.Incidents = append(g.Incidents, inc)
			}
		}
		if len(g.Incidents) > 0 {
			out = append(out, g)
		}
	}
	for _, id := range playbooks {
		take(id, func(inc Incident) bool { return inc.Playbook == id })
	}
	take("", func(inc Incident) bool { return !slices.Contains(playbooks, inc.Playbook) })
	return out
}

// count counts an incident's recordings by kind, from their names.
func (inc *Incident) count(fsys fs.FS) {
	entries, _ := fs.ReadDir(observed{fsys}, ".")
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".gz")
		switch {
		case strings.HasSuffix(name, ".pcap"), strings.HasSuffix(name, ".pcapng"):
			inc.Captures++
		case strings.HasSuffix(name, ".log"):
			inc.Logs++
		case strings.HasSuffix(name, ".txt"):
			inc.Texts++
		}
	}
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
			if sub, err := fs.Sub(fsys, dir); err == nil {
				inc.count(sub)
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
