// Package train runs training sessions: recorded incidents handed to a trainee without their
// answer, the inputs they ask for, the diagnosis they commit, its score and debrief, and each
// trainee's progress. It draws nothing; package ui/train is the screen.
package train

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hopscope/hopscope/knowledge"
)

// TruthFile is the file of a scenario's folder that holds its answer.
const TruthFile = "truth.yaml"

// SymptomFile is what the client saw: the one input a trainee gets without asking.
const SymptomFile = "client.txt"

// Scenario is one training incident: a folder of observations and its truth file.
type Scenario struct {
	// FS holds the scenario's files; Dir is where its folder sits in it ("." for a root).
	FS  fs.FS
	Dir string
	// Name is the folder's name: never shown before the debrief, it often names the cause.
	Name string
	// Cause, Playbook, Title and Story come from the truth file.
	Cause    string `yaml:"cause"`
	Playbook string `yaml:"playbook"`
	Title    string `yaml:"title"`
	Story    string `yaml:"story"`
	// Inputs are the observation files a trainee may ask for, the symptom apart.
	Inputs []string
}

// hidden is what a scenario's folder holds besides observations: the answer, the lab's
// configuration that produced it, notes for the author.
func hidden(name string) bool {
	return name == TruthFile || name == "config" || strings.HasPrefix(name, "config/") || strings.HasSuffix(name, ".md")
}

// Load finds the scenarios in the folders roots of fsys (each sub-folder with a truth file is one)
// and validates them like the knowledge base: every problem is reported with file, line and
// reason, and a scenario with a problem is left out. roots may hold "." for fsys's top.
func Load(kb *knowledge.Base, fsys fs.FS, roots ...string) ([]Scenario, error) {
	var (
		out  []Scenario
		errs []error
	)
	for _, root := range roots {
		entries, err := fs.ReadDir(fsys, root)
		if err != nil {
			errs = append(errs, &knowledge.Error{File: root, Reason: fmt.Sprintf("cannot read the folder: %v", unwrap(err))})
			continue
		}
		var found []Scenario
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			dir := path.Join(root, e.Name())
			if _, err := fs.Stat(fsys, path.Join(dir, TruthFile)); err != nil {
				continue
			}
			sc, err := loadOne(kb, fsys, dir)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			found = append(found, sc)
		}
		sort.Slice(found, func(i, j int) bool { return found[i].Name < found[j].Name })
		out = append(out, found...)
	}
	if len(out) == 0 && len(errs) == 0 {
		errs = append(errs, &knowledge.Error{File: strings.Join(roots, ", "), Reason: "no scenario: a scenario is a folder holding " + TruthFile + " and " + SymptomFile})
	}
	return out, errors.Join(errs...)
}

func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// loadOne reads and checks one scenario folder.
func loadOne(kb *knowledge.Base, fsys fs.FS, dir string) (Scenario, error) {
	file := path.Join(dir, TruthFile)
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return Scenario{}, &knowledge.Error{File: file, Reason: unwrap(err).Error()}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return Scenario{}, &knowledge.Error{File: file, Line: yamlLine(err), Reason: "not YAML: " + err.Error()}
	}
	sc := Scenario{FS: fsys, Dir: dir, Name: path.Base(dir)}
	if err := doc.Decode(&sc); err != nil {
		return Scenario{}, &knowledge.Error{File: file, Line: yamlLine(err), Reason: err.Error()}
	}
	bad := func(key, format string, args ...any) error {
		return &knowledge.Error{File: file, Line: keyLine(&doc, key), Reason: fmt.Sprintf(format, args...)}
	}
	c, ok := kb.Cause(sc.Cause)
	switch {
	case sc.Cause == "":
		return Scenario{}, bad("cause", "no cause: name the true cause by its id (hopscope playbooks lists them)")
	case !ok:
		return Scenario{}, bad("cause", "unknown cause %q (hopscope playbooks lists the ids)", sc.Cause)
	case sc.Playbook != "" && c.Playbook != "" && sc.Playbook != c.Playbook:
		return Scenario{}, bad("playbook", "playbook %q, but cause %s belongs to %q", sc.Playbook, sc.Cause, c.Playbook)
	}
	if sc.Playbook == "" {
		sc.Playbook = c.Playbook
	}
	if _, err := fs.Stat(fsys, path.Join(dir, SymptomFile)); err != nil {
		return Scenario{}, &knowledge.Error{File: path.Join(dir, SymptomFile), Reason: "missing: what the client saw is what a trainee starts from"}
	}
	err = fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, dir), "/")
		if rel == "" {
			return nil
		}
		if hidden(rel) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() && d.Type().IsRegular() && rel != SymptomFile {
			sc.Inputs = append(sc.Inputs, rel)
		}
		return nil
	})
	if err != nil {
		return Scenario{}, &knowledge.Error{File: dir, Reason: unwrap(err).Error()}
	}
	return sc, nil
}

// keyLine returns the line of a top-level key of a YAML document (or 1).
func keyLine(doc *yaml.Node, key string) int {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		m := doc.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				return m.Content[i].Line
			}
		}
	}
	return 1
}

// yamlLine digs the line out of a YAML error ("yaml: line 3: …").
func yamlLine(err error) int {
	var n int
	if _, e := fmt.Sscanf(strings.TrimPrefix(err.Error(), "yaml: "), "line %d:", &n); e == nil {
		return n
	}
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		fmt.Sscanf(te.Errors[0], "line %d:", &n)
	}
	return n
}

// ForPlaybook keeps the scenarios of one playbook ("" keeps all).
func ForPlaybook(all []Scenario, playbook string) []Scenario {
	if playbook == "" {
		return all
	}
	var out []Scenario
	for _, s := range all {
		if s.Playbook == playbook {
			out = append(out, s)
		}
	}
	return out
}
