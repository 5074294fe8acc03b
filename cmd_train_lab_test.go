package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hopscope/hopscope/internal/testenv"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/lab"
	"github.com/hopscope/hopscope/train"
	"github.com/hopscope/hopscope/ui/common"
	trainui "github.com/hopscope/hopscope/ui/train"
)

// trainScreen keeps the training screen's last frame, ANSI stripped.
type trainScreen struct {
	m    *trainui.Model
	last atomic.Value
}

func (r *trainScreen) Init() tea.Cmd { return r.m.Init() }
func (r *trainScreen) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := r.m.Update(msg)
	return r, cmd
}
func (r *trainScreen) View() tea.View {
	v := r.m.View()
	r.last.Store(ansi.Strip(v.Content))
	return v
}

func (r *trainScreen) waitFor(t *testing.T, within time.Duration, re string) string {
	t.Helper()
	want := regexp.MustCompile(re)
	deadline := time.Now().Add(within)
	for {
		s, _ := r.last.Load().(string)
		if want.MatchString(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the screen does not show %q:\n%s", re, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTrainAgainstTheLab trains on a recorded incident as root with its real servers stood up:
// squid refusing the CONNECT by its ACL. The trainee asks for the lab, the checks pane is pointed
// at it, a live CONNECT check runs against squid and enters the evidence, the diagnosis counts it,
// and leaving the training takes the lab down.
func TestTrainAgainstTheLab(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "squid")
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := fs.Sub(bundled, "testdata")
	all, err := train.Load(kb, sub, "scenarios")
	if err != nil {
		t.Fatal(err)
	}
	var sc train.Scenario
	for _, s := range all {
		if s.Name == "tunnel.forbidden.acl" {
			sc = s
		}
	}
	file := filepath.Join(t.TempDir(), "p.json")
	m, err := trainui.New(kb, trainui.Options{Scenarios: []train.Scenario{sc}, Total: 1, ProgressFile: file, User: "t",
		Lab: startTrainingLab, HasLab: hasTrainingLab})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lab.Down(sc.Name) })
	r := &trainScreen{m: m}
	tm := teatest.NewTestModel(t, r, teatest.WithInitialTermSize(120, 36))
	key := func(k tea.KeyPressMsg) { tm.Send(k) }
	text := func(s string) tea.KeyPressMsg { return tea.KeyPressMsg{Code: []rune(s)[0], Text: s} }
	enter := tea.KeyPressMsg{Code: tea.KeyEnter}

	r.waitFor(t, 20*time.Second, "What the client saw")
	key(enter)
	r.waitFor(t, 20*time.Second, "training incident 1 of 1")
	key(text("I"))
	r.waitFor(t, 5*time.Second, "live servers")
	for range sc.Inputs {
		key(tea.KeyPressMsg{Code: tea.KeyDown})
	}
	key(enter)
	r.waitFor(t, 2*time.Minute, `lab's servers are up`)
	if _, err := os.Stat(filepath.Join(lab.DefaultStateRoot, sc.Name)); err != nil {
		t.Fatalf("the lab is not up: %v", err)
	}
	tm.Send(common.RunCheckMsg{Check: "connect"})
	// squid's own answer, from the check, beside what the recording showed.
	r.waitFor(t, 30*time.Second, `check connect +✗ proxy\.connect\.status\.403`)
	key(text("D"))
	r.waitFor(t, 5*time.Second, "Commit a diagnosis")
	key(enter)
	key(enter)
	key(text("y"))
	s := r.waitFor(t, time.Minute, `[1-9][0-9]* checks? run`)
	if !strings.Contains(s, "Debrief") {
		t.Fatalf("no debrief:\n%s", s)
	}
	key(text("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(30*time.Second))
	p, err := train.LoadProgress(file, "t")
	if err != nil || len(p.Attempts) != 1 || p.Attempts[0].Checks == 0 {
		t.Fatalf("progress %+v %v: want one attempt with the checks counted", p, err)
	}
	if _, err := os.Stat(filepath.Join(lab.DefaultStateRoot, sc.Name)); err == nil {
		t.Error("the lab is still up after the training ended")
	}
}
