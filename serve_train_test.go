package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hopscope/hopscope/train"
)

// TestServeTrainsEachKeyApart trains over SSH with two keys: each session is a training run, and
// each key's diagnosis lands in its own progress file under the state directory.
func TestServeTrainsEachKeyApart(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	alice, alicePub := newKey(t)
	bob, bobPub := newKey(t)
	h := startServe(t, serveOptions{train: true, trainCount: 1}, alicePub, bobPub)
	for _, key := range []struct {
		name string
		sure string
	}{{"alice", "y"}, {"bob", "n"}} {
		signer := alice
		if key.name == "bob" {
			signer = bob
		}
		s := openScreen(t, h.addr, signer, 110, 34)
		s.waitFor(t, 20*time.Second, "Training 1/1", "What the client saw")
		s.send(t, "\r")
		s.waitFor(t, 10*time.Second, "training incident 1 of 1")
		s.send(t, "D")
		s.waitFor(t, 10*time.Second, "Commit a diagnosis: the cause")
		s.send(t, "\r")
		s.waitFor(t, 10*time.Second, "the first step you would take")
		s.send(t, "\r", key.sure)
		s.waitFor(t, 30*time.Second, "Debrief", "The true cause")
		s.send(t, "\r")
		s.waitFor(t, 10*time.Second, "Training done")
		s.send(t, "q")
		s.waitEnd(t, 10*time.Second)
	}
	files, _ := filepath.Glob(filepath.Join(state, "hopscope", "train", "*.json"))
	if len(files) != 2 {
		t.Fatalf("progress files %v, want one per key", files)
	}
	sure := map[bool]int{}
	for _, f := range files {
		if !strings.HasPrefix(filepath.Base(f), "key-SHA256_") {
			t.Errorf("progress file %s is not named by the key's fingerprint", f)
		}
		p, err := train.LoadProgress(f, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Attempts) != 1 {
			t.Fatalf("%s holds %d attempts, want 1", f, len(p.Attempts))
		}
		sure[p.Attempts[0].Sure]++
		if b, _ := os.ReadFile(f); !strings.Contains(string(b), p.Attempts[0].Cause) {
			t.Errorf("%s: %s", f, b)
		}
	}
	if sure[true] != 1 || sure[false] != 1 {
		t.Errorf("the two keys' answers are not kept apart: %v", sure)
	}
}

// TestServeTrainPanesReadTheInputsAskedFor trains over SSH and asks for every input offered: the
// packets pane reads the capture the evidence names and the logs pane its log, from the copies
// the training made, rather than saying the investigation has no files to read.
func TestServeTrainPanesReadTheInputsAskedFor(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	key, pub := newKey(t)
	// mod-proxy's incidents all hold a capture and a log; a text-only incident has neither to show.
	h := startServe(t, serveOptions{train: true, trainCount: 1, trainPlaybook: "mod-proxy"}, pub)
	s := openScreen(t, h.addr, key, 110, 34)
	s.waitFor(t, 20*time.Second, "Training 1/1", "What the client saw")
	s.send(t, "\r")
	s.waitFor(t, 10*time.Second, "training incident 1 of 1")
	for range 8 {
		s.send(t, "I", "\r")
		time.Sleep(300 * time.Millisecond)
	}
	s.waitFor(t, 20*time.Second, "(0 left)", "Packets · ", "conversations · ")
	s.send(t, "s")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.text(), "Logs · ") && !strings.Contains(s.text(), "No server log among") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	for _, bad := range []string{"no capture files to read", "no log files to read"} {
		if strings.Contains(s.text(), bad) {
			t.Fatalf("a pane says %q", bad)
		}
	}
	s.send(t, "\x03")
	s.waitEnd(t, 10*time.Second)
}
