package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/lab"
	"github.com/hopscope/hopscope/train"
	trainui "github.com/hopscope/hopscope/ui/train"
)

// trainFlags are the flags of `hopscope train`.
type trainFlags struct {
	count     int
	playbook  string
	scenarios string
	user      string
	progress  bool
}

func newTrainCmd() *cobra.Command {
	var f trainFlags
	cmd := &cobra.Command{
		Use:   "train [--count N] [--playbook ID] [--scenarios DIR]",
		Short: "Train on recorded incidents: diagnose without the answer, then the debrief",
		Long: `train hands you recorded incidents one at a time without their answer: what the
client saw first (S shows it again), then the captures and logs an operator would
have, as you ask for them (I; as root also the lab's real servers for a bundled
recording, to run the live checks against). You investigate in the usual panes
(the ranked causes stay hidden) and commit a diagnosis (D): the cause, the first
step you would take, and whether you are sure. The debrief gives the true cause,
the decision-tree path, the evidence that decided it, what you looked at and
missed, and the resolution.

Incidents come in an order that does not repeat one until all were seen. Progress
is kept per user under $XDG_STATE_HOME/hopscope/train (default ~/.local/state).
A trainer adds incidents with --scenarios DIR: one folder per incident holding
client.txt (what the client saw), the captures and logs, and truth.yaml.`,
		Example: `  hopscope train
  hopscope train --count 5 --playbook proxy-tunnel
  hopscope train --scenarios ./our-incidents
  hopscope train --progress`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTrain(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.count, "count", 1, "how many incidents in a row")
	fl.StringVar(&f.playbook, "playbook", "", "only incidents of this playbook (proxy-tunnel, tls-handshake, mod-proxy)")
	fl.StringVar(&f.scenarios, "scenarios", "", "a folder of training incidents instead of the bundled recordings")
	fl.StringVar(&f.user, "user", "", "whose progress this is (default: the login name)")
	fl.BoolVar(&f.progress, "progress", false, "print the progress per cause (tried, right, median time) and exit")
	return cmd
}

// trainUser is the login name, the default trainee.
func trainUser(flag string) string {
	if flag != "" {
		return flag
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "trainee"
}

// trainingSet loads the incidents to train on: the bundled recordings, or the author's folder.
func trainingSet(kb *knowledge.Base, dir, playbook string, stderr io.Writer) ([]train.Scenario, error) {
	var (
		all []train.Scenario
		err error
	)
	if dir == "" {
		sub, _ := fs.Sub(bundled, "testdata")
		all, err = train.Load(kb, sub, "scenarios", "incidents")
	} else {
		st, serr := os.Stat(dir)
		if serr != nil || !st.IsDir() {
			return nil, fmt.Errorf("train: --scenarios %s: not a folder", dir)
		}
		all, err = train.Load(kb, os.DirFS(dir), ".")
	}
	if err != nil {
		// Every problem on its own line, as the knowledge base reports them.
		n := 0
		for _, line := range strings.Split(err.Error(), "\n") {
			if dir != "" {
				line = strings.TrimPrefix(line, "./")
				line = strings.TrimSuffix(dir, "/") + "/" + line
			}
			fmt.Fprintln(stderr, "hopscope: "+line)
			n++
		}
		return nil, fmt.Errorf("train: %s in the training incidents (listed above)", count(int64(n), "problem"))
	}
	all = train.ForPlaybook(all, playbook)
	if len(all) == 0 {
		return nil, fmt.Errorf("train: no incident of playbook %q", playbook)
	}
	return all, nil
}

func runTrain(cmd *cobra.Command, f trainFlags) error {
	if f.count < 1 {
		return errors.New("train: --count must be at least 1")
	}
	kb, err := knowledge.Default()
	if err != nil {
		return fmt.Errorf("knowledge: %w", err)
	}
	state, err := train.StateDir()
	if err != nil {
		return err
	}
	who := trainUser(f.user)
	file := train.ProgressPath(state, who)
	if f.progress {
		p, err := train.LoadProgress(file, who)
		if err != nil {
			return err
		}
		writeProgress(cmd.OutOrStdout(), p, file)
		return nil
	}
	all, err := trainingSet(kb, f.scenarios, f.playbook, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	if !term.IsTerminal(os.Stdout.Fd()) {
		return errors.New("train needs a terminal (ssh -t for a remote one)")
	}
	p, err := train.LoadProgress(file, who)
	if err != nil {
		return err
	}
	picked := train.Pick(all, p.Seen, f.count, rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0)))
	o := trainui.Options{Scenarios: picked, Total: len(all), ProgressFile: file, User: who}
	if os.Geteuid() == 0 && f.scenarios == "" {
		// As root the bundled recordings' own servers can be stood up to check against.
		o.Lab, o.HasLab = startTrainingLab, hasTrainingLab
	}
	m, err := trainui.New(kb, o)
	if err != nil {
		return err
	}
	if _, err := tea.NewProgram(m, tea.WithContext(cmd.Context())).Run(); err != nil {
		return fmt.Errorf("training screen: %w", err)
	}
	return nil
}

// writeProgress prints a trainee's progress per cause.
func writeProgress(w io.Writer, p train.Progress, file string) {
	stats := p.ByCause()
	if len(stats) == 0 {
		fmt.Fprintf(w, "No training yet for %s (hopscope train starts one; progress goes to %s).\n", p.User, file)
		return
	}
	fmt.Fprintf(w, "Training progress of %s (%s)\n\n", p.User, file)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "cause\ttried\tright\tsure but wrong\tmedian time")
	tried, right := 0, 0
	for _, s := range stats {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", s.Cause, s.Tried, s.Right, s.ConfidentWrong, s.Median)
		tried += s.Tried
		right += s.Right
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d of %d right.\n", right, tried)
}

// hasTrainingLab says whether the lab reproduces a bundled recording (named as the scenario).
func hasTrainingLab(name string) bool {
	_, ok := lab.Lookup(name)
	return ok
}

// startTrainingLab stands up a scenario's servers for a trainee's checks. The checks are given
// the failing client's settings (its Host header, its TLS versions), not the credentials that
// would make the failure go away.
func startTrainingLab(ctx context.Context, name string) (trainui.LabTargets, func(), error) {
	l, err := lab.Start(ctx, name)
	if err != nil {
		return trainui.LabTargets{}, nil, err
	}
	t := l.Targets
	stop := func() { _ = lab.Down(name) }
	return trainui.LabTargets{Target: t.Target, Proxy: t.Proxy, ConnectHost: t.HostHeader, TLSMax: t.TLSMax, Netns: t.Netns}, stop, nil
}
