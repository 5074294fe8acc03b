package knowledge

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestDefaultLoads(t *testing.T) {
	kb, err := Default()
	if err != nil {
		t.Fatalf("embedded knowledge does not load:\n%v", err)
	}
	if len(kb.Playbooks) != 3 {
		t.Errorf("got %d playbooks, want 3", len(kb.Playbooks))
	}
	// The catalogue of DESIGN.md: every id must be present.
	for _, id := range Catalogue {
		if _, ok := kb.Cause(id); !ok {
			t.Errorf("catalogue cause %q missing", id)
		}
	}
}

// Catalogue is the cause catalogue of DESIGN.md, which the knowledge base must cover.
var Catalogue = []string{
	"tunnel.forbidden.acl", "tunnel.forbidden.host-header", "tunnel.proxy-auth",
	"tunnel.unavailable.dns", "tunnel.unavailable.backend-down", "tunnel.timeout",
	"tunnel.proxy-unreachable",
	"tls.handshake-timeout.firewall", "tls.handshake-timeout.server-stall",
	"tls.handshake-failure", "backend.tcp-unreachable",
	"backend.down", "backend.overloaded", "network.path", "network.sporadic",
	"body.backend-closed", "body.backend-stalled", "keepalive.race", "request.pattern",
	"unknown",
}

// broken builds a minimal knowledge tree and applies one edit to it.
func broken(edit func(files map[string]string)) fstest.MapFS {
	files := map[string]string{
		"playbooks/a.yaml": `id: a
title: A
causes:
  - id: c1
    title: one
    explanation: x
    resolution: [fix]
  - id: c2
    title: two
    explanation: x
    resolution: [fix]
tree:
  start: s1
  steps:
    - id: s1
      ask: which?
      branches:
        - label: one
          when: [sig.one]
          conclude: c1
        - label: two
          when: [sig.two]
          next: s2
    - id: s2
      ask: sure?
      branches:
        - {label: y, when: [sig.two], conclude: c2}
        - {label: n, when: [sig.one], conclude: c1}
`,
		"signals/s.yaml": `- id: sig.one
  title: one
  likely: {c1: certain}
- id: sig.two
  title: two
  likely: {c2: certain}
`,
		"checks.yaml": `- id: k
  title: k
  kind: probe
  outcomes: [sig.one, sig.two]
`,
		"recognizers.yaml": `- contains: ONE
  signals: [sig.one]
`,
	}
	edit(files)
	m := fstest.MapFS{}
	for k, v := range files {
		m[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return m
}

func TestLoadRejectsBrokenFiles(t *testing.T) {
	cases := []struct {
		name string
		edit func(map[string]string)
		want string
	}{
		{"valid", func(map[string]string) {}, ""},
		{"yaml syntax", func(f map[string]string) { f["checks.yaml"] = "- id: [unclosed\n" }, "checks.yaml:"},
		{"unknown cause", func(f map[string]string) {
			f["signals/s.yaml"] += "- id: sig.three\n  title: three\n  likely: {nope: certain}\n"
		}, `signals/s.yaml:7: signal "sig.three" names unknown cause "nope"`},
		{"unknown signal in tree", func(f map[string]string) {
			f["playbooks/a.yaml"] = strings.Replace(f["playbooks/a.yaml"], "when: [sig.one]\n          conclude: c1", "when: [sig.nine]\n          conclude: c1", 1)
		}, `playbooks/a.yaml:18: branch "one" of step "s1" names unknown signal "sig.nine"`},
		{"unreachable step", func(f map[string]string) {
			f["playbooks/a.yaml"] += "    - id: orphan\n      ask: lost?\n      branches:\n        - {label: y, when: [sig.one], conclude: c1}\n        - {label: n, when: [sig.two], conclude: c2}\n"
		}, `step "orphan" cannot be reached`},
		{"duplicate signal", func(f map[string]string) {
			f["signals/s.yaml"] += "- id: sig.one\n  title: again\n"
		}, `duplicate signal id "sig.one"`},
		{"indistinguishable causes", func(f map[string]string) {
			f["signals/s.yaml"] = "- id: sig.one\n  title: one\n- id: sig.two\n  title: two\n"
		}, `no signal tells cause "c2" apart from "c1"`},
		{"bad level", func(f map[string]string) {
			f["signals/s.yaml"] = strings.Replace(f["signals/s.yaml"], "{c1: certain}", "{c1: sometimes}", 1)
		}, `"sometimes" is not a likelihood`},
		{"bad regex", func(f map[string]string) {
			f["recognizers.yaml"] = "- regex: '('\n  signals: [sig.one]\n"
		}, "recognizers.yaml:1: recognizer regex"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(broken(tc.edit))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("valid tree rejected: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestEveryCheckAndRecognizerUsesKnownSignals(t *testing.T) {
	kb, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range kb.Recognizers {
		if r.Contains == "" && r.re == nil {
			t.Errorf("%s:%d: recognizer not compiled", r.File, r.Line)
		}
	}
}
