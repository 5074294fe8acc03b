package main

import (
	"io"
	"math/rand/v2"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose/probe"
	"github.com/hopscope/hopscope/train"
	"github.com/hopscope/hopscope/ui"
	trainui "github.com/hopscope/hopscope/ui/train"
)

// program is the model a session runs: the interactive screen, or with --train a training run
// whose trainee is the session's key, so that each key keeps its own progress.
func (s *sshServer) program(ss *servedSession, guard probe.Guard) (tea.Model, error) {
	if !s.opts.train {
		refused := func(what, why string) {
			s.log.Info("action refused", "session", ss.id, "key", ss.key, "remote", ss.remote, "action", what, "reason", why)
		}
		return ui.New(s.kb, ui.Options{Incidents: s.incidents, Guard: guard, Context: ss.ctx, Remote: true, Refused: refused}), nil
	}
	all, err := trainingSet(s.kb, "", s.opts.trainPlaybook, io.Discard)
	if err != nil {
		return nil, err
	}
	state, err := train.StateDir()
	if err != nil {
		return nil, err
	}
	who := serveTrainee(ss.key)
	file := train.ProgressPath(state, who)
	p, err := train.LoadProgress(file, who)
	if err != nil {
		return nil, err
	}
	n := max(s.opts.trainCount, 1)
	picked := train.Pick(all, p.Seen, n, rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(ss.id))))
	return trainui.New(s.kb, trainui.Options{Scenarios: picked, Total: len(all), ProgressFile: file, User: who, Guard: guard, Context: ss.ctx})
}

// serveTrainee names the trainee of a session by its key's fingerprint ("SHA256:…").
func serveTrainee(fingerprint string) string { return "key-" + train.UserName(fingerprint) }
