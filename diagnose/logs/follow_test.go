package logs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFollowGrowingAndTruncatedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "error.log")
	line := func(i int) string {
		return fmt.Sprintf("2026/11/21 10:00:%02d [error] 1#1: *%d connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: , request: \"GET / HTTP/1.1\", upstream: \"http://10.0.0.5:8080/\", host: \"x\"\n", i%60, i)
	}
	if err := os.WriteFile(path, []byte(line(1)+line(2)), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan int64, 100)
	done := make(chan error, 1)
	go func() {
		_, err := Follow(ctx, path, FollowOptions{Poll: 10 * time.Millisecond}, func(r *Record) {
			if r.Event == EventConnectRefused {
				got <- r.Line
			}
		})
		done <- err
	}()
	want := func(lines ...int64) {
		t.Helper()
		for _, w := range lines {
			select {
			case l := <-got:
				if l != w {
					t.Fatalf("line %d, want %d", l, w)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("no line %d within 5s", w)
			}
		}
	}
	want(1, 2)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	full := line(3)
	f.WriteString(full[:40]) // half a line: nothing yet
	time.Sleep(50 * time.Millisecond)
	f.WriteString(full[40:])
	f.Close()
	want(3)
	// Truncated in place and written again: read from the start, numbered from 1 again.
	if err := os.WriteFile(path, []byte(line(4)), 0o644); err != nil {
		t.Fatal(err)
	}
	want(1)
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Follow returned %v, want context.Canceled", err)
	}
}

func TestFollowRefusesBinary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	os.WriteFile(path, []byte("\x00\x01\x02\n"), 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := Follow(ctx, path, FollowOptions{Poll: 10 * time.Millisecond}, func(*Record) {}); err == nil || ctx.Err() != nil {
		t.Fatalf("Follow on binary data: %v", err)
	}
}

func TestFollowResumesAtOffset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "error.log")
	a := "2026/11/21 10:00:00 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream\n"
	b := "2026/11/21 10:00:01 [error] 1#1: *2 upstream timed out (110: Connection timed out) while connecting to upstream\n"
	if err := os.WriteFile(path, []byte(a+b), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var got []Event
	var lines []int64
	st, _ := Follow(ctx, path, FollowOptions{Format: NginxError, Offset: int64(len(a)), Line: 1, Poll: 10 * time.Millisecond}, func(r *Record) {
		got, lines = append(got, r.Event), append(lines, r.Line)
	})
	if len(got) != 1 || got[0] != EventConnectTimeout || lines[0] != 2 || st.Bytes != int64(len(a+b)) {
		t.Fatalf("events %v lines %v, %d bytes", got, lines, st.Bytes)
	}
}
