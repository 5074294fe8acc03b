package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/lab"
)

func newLabCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Stand up real broken servers for each cause (root)",
		Long: `lab stands up, on this machine, a failure from the cause catalogue with the real
software (squid, tinyproxy, Privoxy, Apache httpd, nginx, openssl s_server,
nftables inside network namespaces), for training and for testing hopscope.
Traffic stays on loopback or inside network namespaces the lab creates.

State (configs, logs, what to remove) lives in ` + lab.DefaultStateRoot + `/NAME.`,
		Example: `  hopscope lab list
  sudo hopscope lab up tunnel.forbidden.acl
  sudo hopscope lab down tunnel.forbidden.acl
  sudo hopscope lab record tunnel.forbidden.acl testdata/scenarios/tunnel.forbidden.acl`,
	}
	cmd.AddCommand(newLabListCmd(), newLabUpCmd(), newLabDownCmd(), newLabRecordCmd(), newLabBackendCmd())
	return cmd
}

func newLabListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the scenarios and the cause each reproduces",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "SCENARIO\tCAUSE\tWHAT")
			covered := map[string]bool{}
			for _, sc := range lab.All() {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", sc.Name, sc.Cause, sc.Title)
				covered[sc.Cause] = true
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			kb, err := knowledge.Default()
			if err != nil {
				return fmt.Errorf("knowledge: %w", err)
			}
			var missing []string
			for _, c := range kb.Causes {
				if c.ID != knowledge.UnknownCause && !covered[c.ID] {
					missing = append(missing, c.ID)
				}
			}
			if len(missing) > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "\nno scenario yet for: %s\n", strings.Join(missing, ", "))
			}
			return nil
		},
	}
}

func newLabUpCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "up NAME",
		Short: "Start a scenario's servers and leave them running",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := labContext(cmd.Context(), 2*time.Minute)
			defer stop()
			l, err := lab.Start(ctx, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(l.Targets)
			}
			writeTargets(cmd.OutOrStdout(), l.Scenario, l.Targets)
			fmt.Fprintf(cmd.OutOrStdout(), "\nstop it with: hopscope lab down %s\n", l.Scenario.Name)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the targets as one JSON object")
	return cmd
}

func newLabDownCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "down NAME",
		Short: "Stop a scenario and remove everything it made",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := lab.Down(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is down\n", args[0])
			return nil
		},
	}
}

func newLabRecordCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "record NAME DIR",
		Short: "Run a scenario's failing traffic once while tcpdump records, into DIR",
		Long: `record brings the scenario up, runs its failing client traffic once over IPv4
and once over IPv6 (bounded in count and time) while tcpdump records on lo and
any, then tears it down. DIR receives the captures (pcap and pcapng; any.pcapng
holds LINUX_SLL2 frames), client.txt (what the client saw, redacted), the
servers' logs, config/ and truth.yaml naming the cause.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := labContext(cmd.Context(), 5*time.Minute)
			defer stop()
			rec, err := lab.Record(ctx, args[0], args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "recorded %s into %s: %s\n", args[0], rec.Dir, strings.Join(rec.Files, " "))
			return nil
		},
	}
}

// labContext bounds a lab command and ends it early on Ctrl-C.
func labContext(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeout(parent, d)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	return ctx, func() { stop(); cancel() }
}

// writeTargets prints what to point hopscope's checks at; the password is shown because the
// trainee needs it, and it is a throwaway the lab made.
func writeTargets(w io.Writer, sc lab.Scenario, t lab.Targets) {
	fmt.Fprintf(w, "%s is up (cause %s)\n", sc.Name, sc.Cause)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %-13s %s\n", k, v)
		}
	}
	row("target", t.Target)
	row("target (v6)", t.Target6)
	row("proxy", t.Proxy)
	row("proxy (v6)", t.Proxy6)
	row("proxy user", t.ProxyUser)
	row("proxy pass", t.ProxyPassword)
	row("connect host", t.ConnectHost)
	row("host header", t.HostHeader)
	row("client TLS", t.TLSMax)
	row("namespace", t.Netns)
	for _, lg := range t.Logs {
		row("log", lg)
	}
	for _, n := range t.Notes {
		row("note", n)
	}
	check := "hopscope check --target " + t.Target
	if t.Proxy != "" {
		check += " --proxy " + t.Proxy
	}
	if t.TLSMax != "" {
		check += " --tls-max " + t.TLSMax
	}
	if t.Netns != "" {
		check = "ip netns exec " + t.Netns + " " + check
	}
	fmt.Fprintf(w, "\ntry: %s\n", strings.TrimSpace(check))
}
