package incident

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/hopscope/hopscope/knowledge"
)

// bundle is a bundle with one recorded scenario whose truth, lab config and notes all hold text the
// recognizers know: none of it may become evidence, only what the client saw.
func bundle() fstest.MapFS {
	fault := "Proxy refused to create tunnel with response status 403\n"
	return fstest.MapFS{
		"testdata/scenarios/README.md":             {Data: []byte(fault)},
		"testdata/scenarios/acl/truth.yaml":        {Data: []byte("scenario: acl\ncause: tunnel.forbidden.acl\ntitle: squid denies\nstory: " + fault)},
		"testdata/scenarios/acl/client.txt":        {Data: []byte("curl: (56) CONNECT tunnel failed, response 407\n")},
		"testdata/scenarios/acl/config/squid.conf": {Data: []byte("# " + fault)},
		"testdata/scenarios/acl/NOTES.md":          {Data: []byte(fault)},
		"testdata/scenarios/broken/truth.yaml":     {Data: []byte("scenario: [unclosed\n")},
		"testdata/incidents/pasted/truth.yaml":     {Data: []byte("cause: tunnel.proxy-auth\n")},
		"testdata/incidents/pasted/client.txt":     {Data: []byte("CONNECT tunnel failed, response 407\n")},
		"testdata/incidents/no-truth/client.txt":   {Data: []byte(fault)},
	}
}

func TestList(t *testing.T) {
	list := List(bundle())
	if len(list) != 2 {
		t.Fatalf("listed %+v, want the two incidents with a readable truth.yaml", list)
	}
	if list[0].Name != "acl" || list[0].Title != "squid denies" || list[0].Dir != "testdata/scenarios/acl" {
		t.Errorf("first incident %+v", list[0])
	}
	if list[1].Name != "pasted" || list[1].Title != "pasted" {
		t.Errorf("an incident without name or title is named after its folder: %+v", list[1])
	}
	if List(nil) != nil {
		t.Error("no bundle lists incidents")
	}
}

// TestLoadOnlyObservations loads a scenario: the client's text is read, truth.yaml, config/ and
// notes are not.
func TestLoadOnlyObservations(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	fsys := bundle()
	evs, ins, err := Load(context.Background(), kb, fsys, List(fsys)[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 1 || ins[0].Path != "client.txt" {
		t.Errorf("inputs %+v, want client.txt alone", ins)
	}
	for _, ev := range evs {
		if ev.Signal == "proxy.connect.status.403" {
			t.Errorf("evidence from outside the observations: %+v", ev)
		}
	}
	if len(evs) == 0 || evs[0].Source != "client.txt:1" {
		t.Errorf("evidence %+v, want the client's 407 from client.txt:1", evs)
	}
}
