package bundle

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hopscope/hopscope/diagnose"
)

// Options say what a bundle is made from.
type Options struct {
	// Command is what produced the investigation, for the report's header ("hopscope analyze
	// capture.pcap"); it is redacted like everything else.
	Command string
	// Checks are live checks' results with their waterfalls.
	Checks []any
	// Open opens an input by the path it was read from; os.Open when nil.
	Open Opener
	// Now stamps the report; time.Now when nil.
	Now func() time.Time
}

// Summary says what was written.
type Summary struct {
	// Path is the folder or the .tar.gz.
	Path   string
	Report Report
}

// ErrExists is returned when the destination is already there: a bundle never overwrites one.
var ErrExists = errors.New("already exists; name a new folder or .tar.gz")

// IsArchive reports whether dest names a .tar.gz (or .tgz) rather than a folder.
func IsArchive(dest string) bool {
	return strings.HasSuffix(dest, ".tar.gz") || strings.HasSuffix(dest, ".tgz")
}

// Write builds the bundle of an investigation at dest: a folder, or a gzipped tar when dest ends
// in .tar.gz. Everything is written under a temporary name beside dest and moved into place at
// the end, so a run stopped part way (the context cancelled by ctrl-c, a full disk) leaves neither
// dest nor the temporary files behind. An existing dest is refused up front, and again by the
// final move if it appeared while the bundle was being written (see publish).
func Write(ctx context.Context, dest string, sess *diagnose.Session, inputs []diagnose.Input, o Options) (Summary, error) {
	if o.Open == nil {
		o.Open = func(name string) (io.ReadCloser, error) { return os.Open(name) }
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	dest = filepath.Clean(dest)
	// Early, so that no work is done for a name that is taken; publish checks again atomically.
	if _, err := os.Lstat(dest); err == nil {
		return Summary{}, fmt.Errorf("report: %s %w", dest, ErrExists)
	}
	parent, base := filepath.Split(dest)
	if parent == "" {
		parent = "."
	}
	name := strings.TrimSuffix(strings.TrimSuffix(base, ".tar.gz"), ".tgz")
	tmp, err := os.MkdirTemp(parent, "."+name+".partial-")
	if err != nil {
		return Summary{}, fmt.Errorf("report: %w", err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return Summary{}, fmt.Errorf("report: %w", err)
	}
	rep, err := fill(ctx, dir, sess, inputs, o)
	if err != nil {
		return Summary{}, fmt.Errorf("report: %w", err)
	}
	if !IsArchive(dest) {
		if err := ctx.Err(); err != nil {
			return Summary{}, fmt.Errorf("report: %w", err)
		}
		if err := publish(dir, dest, true); err != nil {
			return Summary{}, fmt.Errorf("report: %w", err)
		}
		return Summary{Path: dest, Report: rep}, nil
	}
	arch := filepath.Join(tmp, base)
	if err := archive(ctx, dir, name, arch); err != nil {
		return Summary{}, fmt.Errorf("report: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return Summary{}, fmt.Errorf("report: %w", err)
	}
	if err := publish(arch, dest, false); err != nil {
		return Summary{}, fmt.Errorf("report: %w", err)
	}
	return Summary{Path: dest, Report: rep}, nil
}

// fill writes the inputs and both reports into dir.
func fill(ctx context.Context, dir string, sess *diagnose.Session, inputs []diagnose.Input, o Options) (Report, error) {
	r := build(sess, inputs, o.Checks, o.Command, o.Now())
	files, notes, err := copyInputs(ctx, sess.Knowledge(), sess, inputs, o.Open, dir, &r.Symptom)
	if err != nil {
		return Report{}, err
	}
	r.Files = files
	r.Notes = notes
	if r.Files == nil {
		r.Files = []File{}
	}
	r.MustGather = gather(sess.Knowledge(), sess, r.Playbook, inputs, files)
	js, err := redactedJSON(r)
	if err != nil {
		return Report{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), js, 0o644); err != nil {
		return Report{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.md"), []byte(Markdown(r)), 0o644); err != nil {
		return Report{}, err
	}
	return r, ctx.Err()
}

// redactedJSON encodes v with every string in it redacted. Redacting the encoded text instead
// could cut through a closing quote; redacting each value cannot.
func redactedJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(redactTree(tree), "", "  ")
	return append(js, '\n'), err
}

func redactTree(v any) any {
	switch x := v.(type) {
	case string:
		return diagnose.Redact(x)
	case []any:
		for i := range x {
			x[i] = redactTree(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = redactTree(x[k])
		}
	}
	return v
}

// archive writes dir as a gzipped tar whose entries start with name/, and syncs it.
func archive(ctx context.Context, dir, name, out string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(filepath.Join(name, rel))
		if d.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(tw, src)
		return err
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}
