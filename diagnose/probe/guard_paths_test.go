package probe

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryPathAsksTheGuard reads the code of the checks (this package and the checks pane) and
// fails when a connection, a lookup or a CONNECT could bypass the Guard: only Options.dial
// dials, only LookupHost looks names up and its callers ask allowLookup first, and every
// function that sends a CONNECT asks allowTunnel. A new path must go through them.
func TestEveryPathAsksTheGuard(t *testing.T) {
	type site struct{ file, fn string }
	var dials, lookups []site
	calls := map[string]map[string]bool{} // function → names it calls
	for _, dir := range []string{".", filepath.Join("..", "..", "ui", "checks")} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				fn := dir + ":" + fd.Name.Name
				if fd.Recv != nil && len(fd.Recv.List) == 1 {
					fn = dir + ":" + recvName(fd.Recv.List[0].Type) + "." + fd.Name.Name
				}
				called := map[string]bool{}
				calls[fn] = called
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					var name string
					switch x := n.(type) {
					case *ast.SelectorExpr:
						name = x.Sel.Name
					case *ast.Ident:
						name = x.Name
					default:
						return true
					}
					called[name] = true
					switch {
					case strings.HasPrefix(name, "Dial"):
						dials = append(dials, site{path, fn})
					case strings.HasPrefix(name, "Lookup") && name != "LookupHost":
						lookups = append(lookups, site{path, fn})
					}
					return true
				})
			}
		}
	}
	for _, s := range dials {
		if s.fn != ".:Options.dial" {
			t.Errorf("%s: %s dials by itself: connections go through Options.dial, which asks the Guard", s.file, s.fn)
		}
	}
	for _, s := range lookups {
		if s.fn != ".:LookupHost" {
			t.Errorf("%s: %s looks a name up by itself: lookups go through LookupHost after allowLookup", s.file, s.fn)
		}
	}
	for fn, called := range calls {
		if called["LookupHost"] && !called["allowLookup"] {
			t.Errorf("%s looks a name up without asking allowLookup first", fn)
		}
		if called["proxyConnect"] && !called["allowTunnel"] {
			t.Errorf("%s sends a CONNECT without asking allowTunnel", fn)
		}
	}
	if !calls[".:Options.dial"]["AllowDial"] {
		t.Error("Options.dial no longer asks the Guard")
	}
}

func recvName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return recvName(x.X)
	case *ast.Ident:
		return x.Name
	case *ast.IndexExpr:
		return recvName(x.X)
	}
	return "?"
}
